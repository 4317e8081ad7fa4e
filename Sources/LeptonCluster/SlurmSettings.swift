import LeptonCore
import LeptonSystem

/// How Lepton reaches Slurm: the `slurm` section of the committed `Lepton.config` (no secrets:
/// Slurm authenticates through munge), each setting overridable by the environment for CI.
///
/// ```json
/// { "version": 1, "executor": "slurm",
///   "slurm": { "partition": "cpu", "account": "ml", "options": ["--exclusive"],
///              "maxJobs": 100, "poll": 1, "retries": 1 } }
/// ```
public struct SlurmSettings: Sendable, Equatable {
    /// `--partition`, `--account`, `--qos` for every job (a stage's own options win).
    public var partition: String?
    public var account: String?
    public var qos: String?
    /// More `sbatch` arguments for every job (`--exclusive`, `--constraint=avx2`).
    public var options: [String] = []
    /// How many jobs may be submitted at once (the build's job limit when Slurm is the default).
    public var maxJobs = 100
    /// Seconds between queries of the queue (one query for every job Lepton waits for).
    public var poll = 1.0
    /// How many times a job that ended with its node (NODE_FAIL, BOOT_FAIL, PREEMPTED) is
    /// submitted again.
    public var retries = 1
    /// The Slurm configuration the client commands read (`SLURM_CONF`), when not the default.
    public var configuration: String?
    /// Where the client commands are, when not on `PATH`.
    public var binDirectory: String?

    public init() {}

    /// The variables that override the file, and what each sets.
    public static let environmentNames = [
        "LEPTON_SLURM_PARTITION", "LEPTON_SLURM_ACCOUNT", "LEPTON_SLURM_QOS", "LEPTON_SLURM_OPTIONS",
        "LEPTON_SLURM_MAX_JOBS", "LEPTON_SLURM_POLL", "LEPTON_SLURM_RETRIES", "LEPTON_SLURM_BIN",
    ]

    /// The settings of a `slurm` section, then the environment's overrides.
    ///
    /// - Throws: ``LeptonError`` naming the file or variable for a value of the wrong kind.
    init(section: JSON?, path: String, environment: (String) -> String? = Environment.value) throws(LeptonError) {
        func invalid(_ what: String) -> LeptonError {
            LeptonError(.usage, "\(what); fix it (see docs/cluster.md)")
        }
        let section = section ?? .object([:])
        guard section.objectValue != nil else { throw invalid("\(path): \"slurm\" must be an object") }
        partition = section["partition"]?.stringValue
        account = section["account"]?.stringValue
        qos = section["qos"]?.stringValue
        configuration = section["configuration"]?.stringValue
        binDirectory = section["bin"]?.stringValue
        if let list = section["options"] {
            guard let items = list.arrayValue?.compactMap(\.stringValue), items.count == list.arrayValue?.count else {
                throw invalid("\(path): \"slurm\".\"options\" must be a list of sbatch arguments")
            }
            options = items
        }
        func number(_ key: String, _ variable: String) throws(LeptonError) -> Double? {
            if let text = environment(variable) {
                guard let value = Double(text), value >= 0 else {
                    throw invalid("\(variable)='\(text)' is not a number")
                }
                return value
            }
            guard let value = section[key] else { return nil }
            guard let number = value.doubleValue, number >= 0 else {
                throw invalid("\(path): \"slurm\".\"\(key)\" must be a number")
            }
            return number
        }
        if let value = try number("maxJobs", "LEPTON_SLURM_MAX_JOBS") { maxJobs = max(1, Int(value)) }
        if let value = try number("poll", "LEPTON_SLURM_POLL") { poll = max(0.05, value) }
        if let value = try number("retries", "LEPTON_SLURM_RETRIES") { retries = Int(value) }
        partition = environment("LEPTON_SLURM_PARTITION") ?? partition
        account = environment("LEPTON_SLURM_ACCOUNT") ?? account
        qos = environment("LEPTON_SLURM_QOS") ?? qos
        binDirectory = environment("LEPTON_SLURM_BIN") ?? binDirectory
        if let extra = environment("LEPTON_SLURM_OPTIONS") {
            options += extra.split(separator: " ").map(String.init)
        }
    }

    /// A client command's path.
    func command(_ name: String) -> String { binDirectory.map { RelativePath.join($0, name) } ?? name }
}
