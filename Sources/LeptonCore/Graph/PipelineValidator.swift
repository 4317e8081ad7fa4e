/// Checks a pipeline against the package on disk and returns every problem at once.
///
/// Each message is lower case, names stages and paths in `'…'`, and says how to fix it.
public struct PipelineValidator: Sendable {
    public let root: String
    public let targets: TargetSources?
    let fileSystem: FileSystem

    public init(root: String, targets: TargetSources?, fileSystem: FileSystem = FileSystem()) {
        self.root = root
        self.targets = targets
        self.fileSystem = fileSystem
    }

    /// Every problem of the pipeline; an empty list means it can be built.
    public func validate(_ pipeline: PipelineDescription, params: ParamsStore) -> [Diagnostic] {
        if pipeline.stages.isEmpty {
            return [.error("the pipeline has no stages; add one with .stage(name:command:...) to 'stages'")]
        }
        var problems = namingProblems(pipeline)
        problems += outputProblems(pipeline)
        let graph = BuildGraph(pipeline: pipeline)
        if let cycle = graph.findCycle() {
            problems.append(.error("dependency cycle: \(cycle.joined(separator: " -> ")); break it by removing one of these inputs or 'after' entries"))
        }
        for stage in pipeline.stages {
            problems += inputProblems(stage, graph: graph)
            problems += parameterProblems(stage, pipeline: pipeline, params: params)
        }
        return problems
    }

    private func namingProblems(_ pipeline: PipelineDescription) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var seen = Set<String>()
        let names = pipeline.stages.map(\.name)
        for stage in pipeline.stages {
            if !seen.insert(stage.name).inserted {
                problems.append(.error("two stages are named '\(stage.name)'; stage names must be unique"))
            }
            if stage.name.isEmpty || !stage.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                problems.append(.error("stage name '\(stage.name)' may contain only letters, digits, '-', '_' and '.'"))
            }
            for name in stage.after where !names.contains(name) {
                var message = "stage '\(stage.name)' runs after unknown stage '\(name)'"
                if let suggestion = EditDistance.suggestion(for: name, among: names) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; stages are: \(names.map { "'\($0)'" }.joined(separator: ", "))"
                }
                problems.append(.error(message))
            }
            if case .shell(let line) = stage.command, line.allSatisfy(\.isWhitespace) {
                problems.append(.error("stage '\(stage.name)' has an empty command"))
            }
        }
        return problems
    }

    private func outputProblems(_ pipeline: PipelineDescription) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var claimed: [(path: String, stage: String)] = []
        let realRoot = fileSystem.realPath(root) ?? root
        for stage in pipeline.stages {
            for output in stage.allOutputs {
                let path = output.path
                if path.hasPrefix("/") || path.hasPrefix("..") {
                    problems.append(.error("stage '\(stage.name)': output '\(path)' is outside the package root; outputs must be relative paths inside it"))
                    continue
                }
                let top = path.split(separator: "/").first.map(String.init) ?? path
                if [".lepton", ".git"].contains(top) || path == "Lepton.lock" || path == "Leptonfile" {
                    problems.append(.error("stage '\(stage.name)': output '\(path)' is a file Lepton or git manages; choose another path"))
                    continue
                }
                if let escape = symlinkEscape(path, realRoot: realRoot) {
                    problems.append(.error("stage '\(stage.name)': output '\(path)' lies behind the symlink '\(escape)' leading out of the package root; write outputs inside the package"))
                }
                for other in claimed where RelativePath.isWithin(path, other.path) || RelativePath.isWithin(other.path, path) {
                    let what = other.path == path ? "output '\(path)'" : "outputs '\(other.path)' and '\(path)' (one contains the other)"
                    problems.append(.error("stages '\(other.stage)' and '\(stage.name)' both claim \(what); each output must belong to one stage"))
                }
                claimed.append((path, stage.name))
                for input in stage.inputs + stage.code
                where input.kind != .target && input.kind != .glob
                    && (RelativePath.isWithin(input.path, path) || RelativePath.isWithin(path, input.path))
                {
                    problems.append(.error("stage '\(stage.name)' both reads and writes '\(input.path)'; write the result to another path"))
                }
            }
        }
        return problems
    }

    /// The first symlink on the way to `path` that resolves outside the root, if any.
    private func symlinkEscape(_ path: String, realRoot: String) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            let absolute = RelativePath.join(root, prefix)
            guard let status = fileSystem.status(absolute) else { return nil }
            if status.kind == .symlink {
                guard let resolved = fileSystem.realPath(absolute) else { return prefix }
                if !RelativePath.isWithin(resolved, realRoot) { return prefix }
            }
        }
        return nil
    }

    private func inputProblems(_ stage: StageDescription, graph: BuildGraph) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let glob = Glob(root: root, fileSystem: fileSystem)
        for (label, inputs) in [("input", stage.inputs), ("code input", stage.code)] {
            for input in inputs {
                switch input.kind {
                case .target:
                    problems += targetProblems(stage, name: input.path)
                case .glob:
                    let produced = !BuildGraph.producers(of: input, in: graph.producers).isEmpty
                    if !produced && glob.files(matching: input.path).isEmpty {
                        problems.append(.warning("stage '\(stage.name)': \(label) pattern '\(input.path)' matches no file"))
                    }
                case .path, .file, .folder:
                    if input.path.hasPrefix("/") || input.path.hasPrefix("..") {
                        problems.append(.error("stage '\(stage.name)': \(label) '\(input.path)' is outside the package root"))
                        continue
                    }
                    let produced = !BuildGraph.producers(of: input, in: graph.producers).isEmpty
                    if !produced && fileSystem.statusFollowingLinks(RelativePath.join(root, input.path)) == nil {
                        problems.append(.error("stage '\(stage.name)': \(label) '\(input.path)' does not exist and no stage outputs it; create it or add the stage that writes it"))
                    }
                }
            }
        }
        return problems
    }

    private func targetProblems(_ stage: StageDescription, name: String) -> [Diagnostic] {
        guard let targets else {
            return [.error("stage '\(stage.name)': code target '\(name)' needs a SwiftPM package; run Lepton in a folder with Package.swift")]
        }
        if targets.targets[name] != nil { return [] }
        var message = "stage '\(stage.name)': code target '\(name)' is not a target of this package"
        if let suggestion = EditDistance.suggestion(for: name, among: targets.targets.keys) {
            message += "; did you mean '\(suggestion)'?"
        } else if !targets.targets.isEmpty {
            message += "; targets are: \(targets.targets.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))"
        }
        return [.error(message)]
    }

    private func parameterProblems(_ stage: StageDescription, pipeline: PipelineDescription, params: ParamsStore)
        -> [Diagnostic]
    {
        var problems: [Diagnostic] = []
        for parameter in stage.params where parameter.inline == nil {
            let file = parameter.file ?? pipeline.paramsFile
            switch params.lookup(parameter.key, in: file) {
            case .success: continue
            case .failure(let error): problems.append(.error("stage '\(stage.name)': \(error.message)"))
            }
        }
        return problems
    }
}
