extension PipelineDescription {
    /// The pipeline with each `.product` stage's code made complete: the targets the product is
    /// made of (with their dependencies, through ``TargetSources``) become its code inputs, so
    /// editing a library the product uses reruns the stage.
    public func withProductCode(_ targets: TargetSources?) -> PipelineDescription {
        var result = self
        for index in result.stages.indices {
            guard case .product(let name, _, _) = result.stages[index].command else { continue }
            let names = targets?.targets(ofProduct: name) ?? [name]
            for target in names where !result.stages[index].code.contains(PathSpec(kind: .target, path: target)) {
                result.stages[index].code.append(PathSpec(kind: .target, path: target))
            }
        }
        return result
    }

    /// The products `.product` stages run, with the configuration each is built in.
    public var products: [(name: String, configuration: String)] {
        var seen = Set<String>()
        return stages.compactMap { stage in
            guard case .product(let name, _, let configuration) = stage.command,
                seen.insert("\(name) \(configuration)").inserted
            else { return nil }
            return (name, configuration)
        }
    }
}
