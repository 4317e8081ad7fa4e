/// The pipeline as the engine sees it, after the Leptonfile was evaluated and converted.
public struct PipelineDescription: Sendable, Equatable {
    /// A short name for reports.
    public var name: String
    /// The default params file for parameter keys that name none.
    public var paramsFile: String
    /// The stages, in declaration order.
    public var stages: [StageDescription]
    /// Quality gates checked on every stage whose metrics files hold the gate's metric.
    public var gates: [String]
    /// Raw data the Leptonfile declares tracked (`Pipeline(data:)`), relative to the package root.
    public var trackedData: [String]
    /// Declared charts, the pipeline's first, then each stage's (``PlotSpec/stage`` set).
    public var plots: [PlotSpec]

    public init(
        name: String, paramsFile: String, stages: [StageDescription], gates: [String] = [], trackedData: [String] = [],
        plots: [PlotSpec] = []
    ) {
        self.plots = plots
        self.trackedData = trackedData
        self.name = name
        self.paramsFile = paramsFile
        self.stages = stages
        self.gates = gates
    }

    /// Every environment variable some stage declares, sorted, once each.
    public var environmentNames: [String] { Array(Set(stages.flatMap(\.environment))).sorted() }

    /// The stage with this name, if any.
    public func stage(named name: String) -> StageDescription? { stages.first { $0.name == name } }
}
