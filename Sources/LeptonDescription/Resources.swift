/// What a stage needs to run: cores, memory, GPUs, a time limit, and where it runs.
///
/// Resources are not part of a stage's key: asking for more cores or another partition does not
/// rerun anything. The local scheduler never starts stages whose declared cpus (and memory)
/// together exceed the machine's; on a cluster they become the job's request (`sbatch
/// --cpus-per-task`, `--mem`, `--gpus`, `--time`). Built-in trainer stages use `cpus` as their
/// thread count.
///
/// ```swift
/// .stage(name: "features", command: "python3 features.py", inputs: ["data/raw"],
///        outputs: ["data/features"], resources: Resources(cpus: 4, memory: "8G", time: "30m"))
/// .train(name: "train", data: .csv("data/train.csv", label: "y"), model: [.dense(10)], checkpoint: "models/net.safetensors")
///     .resources(cpus: .param("train.cpus"), executor: .slurm, partition: "gpu", gpus: 1)
/// ```
public struct Resources: Sendable {
    var cpus: ResourceValue?
    var memory: ResourceValue?
    var gpus: ResourceValue?
    var time: ResourceValue?
    var executor: Executor?
    var options: [String: String]

    /// - Parameters:
    ///   - cpus: Cores the stage uses (its thread count for the trainer).
    ///   - memory: Memory it needs: `"512M"`, `"8G"`, `"1.5T"`, or a number of MiB.
    ///   - gpus: GPUs it needs (cluster stages only).
    ///   - time: A time limit: `"90s"`, `"30m"`, `"2h"`, `"1d"`, or Slurm's `"HH:MM:SS"`,
    ///     `"D-HH:MM:SS"`, or a number of minutes.
    ///   - executor: Where the stage runs; nil follows the pipeline and the command line.
    ///   - partition: Slurm's `--partition`.
    ///   - account: Slurm's `--account`.
    ///   - qos: Slurm's `--qos`.
    ///   - constraint: Slurm's `--constraint`.
    ///   - options: Any other scheduler option, by name without dashes (`["exclusive": ""]`).
    public init(
        cpus: ResourceValue? = nil, memory: ResourceValue? = nil, gpus: ResourceValue? = nil,
        time: ResourceValue? = nil, executor: Executor? = nil, partition: String? = nil, account: String? = nil,
        qos: String? = nil, constraint: String? = nil, options: [String: String] = [:]
    ) {
        self.cpus = cpus
        self.memory = memory
        self.gpus = gpus
        self.time = time
        self.executor = executor
        var options = options
        for (name, value) in [("partition", partition), ("account", account), ("qos", qos), ("constraint", constraint)]
        {
            if let value { options[name] = value }
        }
        for name in options.keys where name.isEmpty || name.hasPrefix("-") || name.contains("=") {
            Dump.error("scheduler option '\(name)' must be a name without dashes or '=' (\"exclusive\", \"nodelist\")")
        }
        self.options = options
    }

    /// These resources, with each one `defaults` sets and these do not taken from it.
    func merged(over defaults: Resources?) -> Resources {
        guard let defaults else { return self }
        var merged = self
        merged.cpus = cpus ?? defaults.cpus
        merged.memory = memory ?? defaults.memory
        merged.gpus = gpus ?? defaults.gpus
        merged.time = time ?? defaults.time
        merged.executor = executor ?? defaults.executor
        merged.options = defaults.options.merging(options) { _, own in own }
        return merged
    }
}

/// One resource amount: a literal (`4`, `"8G"`, `"30m"`) or a key of the params file, read at
/// build time (`.param("train.cpus")`). A resource read from a parameter is not part of the key.
public struct ResourceValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, Sendable {
    let text: String?
    let key: String?
    let file: String?

    /// A value read from the pipeline's params file (or `file`) by dotted key.
    public static func param(_ key: String, file: String? = nil) -> ResourceValue {
        ResourceValue(text: nil, key: key, file: file)
    }

    public init(integerLiteral value: Int) { self.init(text: String(value), key: nil, file: nil) }
    public init(stringLiteral value: String) { self.init(text: value, key: nil, file: nil) }

    init(text: String?, key: String?, file: String?) {
        self.text = text
        self.key = key
        self.file = file
    }
}

/// Where a stage's command runs.
public enum Executor: String, Sendable {
    /// A process on the machine that runs `lepton build`.
    case local
    /// A Slurm job (`sbatch`), on a cluster that shares the package's file system.
    case slurm
}

extension Stage {
    /// Sets what the stage needs and where it runs (see ``Resources``); returns the stage, so it
    /// chains after `.stage(...)`, `.train(...)` and `.evaluate(...)`.
    @discardableResult
    public func resources(
        cpus: ResourceValue? = nil, memory: ResourceValue? = nil, gpus: ResourceValue? = nil,
        time: ResourceValue? = nil, executor: Executor? = nil, partition: String? = nil, account: String? = nil,
        qos: String? = nil, constraint: String? = nil, options: [String: String] = [:]
    ) -> Stage {
        resources = Resources(
            cpus: cpus, memory: memory, gpus: gpus, time: time, executor: executor, partition: partition,
            account: account, qos: qos, constraint: constraint, options: options
        )
        .merged(over: resources)
        return self
    }
}
