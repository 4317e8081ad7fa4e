/// One step of a pipeline: a command with the inputs it reads and the outputs it writes.
///
/// Lepton reruns a stage only when something that can change its result changed: its command,
/// the content of its data inputs and code, the values of the parameters it reads, or the
/// environment variables it names. Stages that consume another stage's outputs run after it.
///
/// ```swift
/// .stage(
///     name: "train",
///     command: .product("train", arguments: ["data/prepared"]),
///     inputs: ["data/prepared"],
///     code: ["scripts/train.sh"],
///     params: ["train.lr", "train.epochs", .value("seed", 42)],
///     environment: ["OMP_NUM_THREADS"],
///     outputs: ["models/model.safetensors"],
///     metrics: ["metrics/train.json"]
/// )
/// ```
public final class Stage {
    /// The unique name of the stage, used on the command line (`lepton build train`).
    public let name: String
    /// What runs.
    public var command: Command
    /// Data the stage reads (files, folders, glob patterns, other stages' outputs).
    public var inputs: [Input]
    /// Code the stage runs (files, folders, glob patterns, SwiftPM targets).
    public var code: [Code]
    /// Parameters the stage reads, by key, or inline values.
    public var params: [Parameter]
    /// Names of environment variables whose values can change the result.
    public var environment: [String]
    /// Files and folders the stage writes; Lepton caches and restores them.
    public var outputs: [Output]
    /// Metrics files the stage writes (JSON, YAML or CSV); they are outputs too.
    public var metrics: [String]
    /// Quality gates on the metrics files (`accuracy >= 0.9`, `loss <= previous`).
    public var gates: [String]
    /// Stages that must run before this one although no data flows between them.
    public var after: [String]
    /// What the stage needs and where it runs (not part of its key); nil takes the pipeline's.
    public var resources: Resources?
    /// Charts of files the stage writes (see ``plots(_:)``).
    public var plots: [Plot] = []

    init(
        name: String, command: Command, inputs: [Input], code: [Code], params: [Parameter],
        environment: [String], outputs: [Output], metrics: [String], gates: [String] = [], after: [String],
        resources: Resources? = nil
    ) {
        self.resources = resources
        self.gates = gates
        self.name = name
        self.command = command
        self.inputs = inputs
        self.code = code
        self.params = params
        self.environment = environment
        self.outputs = outputs
        self.metrics = metrics
        self.after = after
    }

    /// Declares a stage that runs a command.
    ///
    /// ```swift
    /// .stage(name: "prepare", command: "sh prepare.sh", inputs: ["raw.csv"], outputs: ["clean.csv"])
    /// ```
    ///
    /// - Parameters:
    ///   - name: A unique name (letters, digits, `-`, `_`, `.`).
    ///   - command: A shell command line (run by `/bin/sh -c` in the package root) or
    ///     ``Command/exec(_:)`` for an argument vector.
    ///   - inputs: Data inputs. An input that another stage outputs makes this stage depend on it.
    ///   - code: Code inputs, including SwiftPM targets by name (``Code/target(_:)``).
    ///   - params: Parameter keys read from the params file (`"train.lr"`) or inline values.
    ///   - environment: Environment variables whose values are part of the stage's key.
    ///   - outputs: Files and folders the command writes. Each must exist after a successful run.
    ///   - metrics: Metrics files the command writes; cached like outputs.
    ///   - gates: Quality gates on the metrics files, `METRIC OP NUMBER` or
    ///     `METRIC OP previous[ - N%]`: `["accuracy >= 0.9", "loss <= previous + 1%"]`. A failed
    ///     gate fails the stage (exit status 3); its outputs stay in the cache but are not
    ///     recorded as current, and stages after it do not run.
    ///   - after: Stages that must run first although no declared data flows between them.
    ///   - resources: Cores, memory, GPUs, a time limit and the executor (see ``Resources``);
    ///     not part of the key.
    /// - Returns: The stage, to put in ``Pipeline/stages``.
    public static func stage(
        name: String,
        command: Command,
        inputs: [Input] = [],
        code: [Code] = [],
        params: [Parameter] = [],
        environment: [String] = [],
        outputs: [Output] = [],
        metrics: [String] = [],
        gates: [String] = [],
        after: [String] = [],
        resources: Resources? = nil
    ) -> Stage {
        if name.isEmpty {
            Dump.error("a stage has an empty name; give every stage a unique name")
        }
        return Stage(
            name: name, command: command, inputs: inputs, code: code, params: params,
            environment: environment, outputs: outputs, metrics: metrics, gates: gates, after: after,
            resources: resources
        )
    }
}
