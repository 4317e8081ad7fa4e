/// The whole build: every stage of a Leptonfile, and where their parameters live.
///
/// A Leptonfile declares exactly one `Pipeline`, the way a `Package.swift` declares one
/// `Package`. Lepton evaluates the Leptonfile, reads the pipeline back and builds its stages.
/// Because `Pipeline` is a class, stages appended after `init` (in a `for` loop, say) are seen too.
///
/// ```swift
/// // lepton-tools-version: 0.1
/// import LeptonDescription
///
/// let pipeline = Pipeline(
///     name: "digits",
///     params: "params.yaml",
///     stages: [
///         .stage(
///             name: "prepare",
///             command: "python3 prepare.py",
///             inputs: ["data/raw.csv"],
///             code: ["prepare.py"],
///             params: ["prepare.split"],
///             outputs: [.folder("data/prepared")]
///         ),
///     ]
/// )
/// for fold in 0..<3 {
///     pipeline.stages.append(
///         .stage(name: "cv-\(fold)", command: "python3 cv.py \(fold)", inputs: ["data/prepared"],
///                outputs: ["cv/\(fold).json"])
///     )
/// }
/// ```
public final class Pipeline {
    /// A short name for reports; defaults to the package folder's name when empty.
    public var name: String
    /// The default parameters file (JSON or YAML) for parameter keys that name no file.
    public var params: String
    /// The stages, in declaration order. Order does not decide build order: data flow does.
    public var stages: [Stage]
    /// Quality gates for the whole pipeline, checked on every stage whose metrics files hold
    /// the metric (see ``Stage/stage(name:command:inputs:code:params:environment:outputs:metrics:gates:after:resources:)``).
    public var gates: [String]
    /// Resources and executor for every stage that does not set its own (see ``Resources``):
    /// `Resources(executor: .slurm, partition: "cpu")` sends the whole pipeline to Slurm.
    public var resources: Resources?
    /// Raw data under version control (files or folders no stage produces): `lepton build`
    /// records them in `Lepton.data` and caches their bytes, as `lepton add` does, so `lepton
    /// push` shares them and a fresh clone's `lepton pull` gets them.
    public var data: [String]
    /// Charts `lepton plots` draws from the pipeline's data files (see ``Plot``); stages add
    /// their own with ``Stage/plots(_:)``.
    public var plots: [Plot]

    /// Declares the pipeline of this Leptonfile.
    ///
    /// - Parameters:
    ///   - name: A short name for reports.
    ///   - params: The default parameters file, relative to the package root. A stage's
    ///     ``Parameter`` keys are read from it unless they name another file.
    ///   - stages: The stages; more may be appended to ``stages`` later.
    ///   - gates: Quality gates on metrics, `["accuracy >= 0.9"]`, checked on every stage whose
    ///     metrics files hold the metric; a failure fails that stage and the build (status 3).
    ///   - resources: Defaults for every stage's ``Stage/resources``.
    ///   - data: Raw data to track (see ``data``): `["data/raw.csv", "data/images"]`.
    ///   - plots: Charts of the pipeline's data files (see ``Plot``).
    public init(
        name: String = "", params: String = "params.yaml", stages: [Stage] = [], gates: [String] = [],
        resources: Resources? = nil, data: [String] = [], plots: [Plot] = []
    ) {
        self.plots = plots
        self.data = data
        self.resources = resources
        self.name = name
        self.params = params
        self.stages = stages
        self.gates = gates
        Dump.register(self)
    }
}
