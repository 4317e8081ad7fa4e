import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What a build should do.
public struct BuildOptions: Sendable {
    /// Stages to build with everything they need; empty means all.
    public var targets: [String] = []
    /// Stages to run even when up to date.
    public var force: Set<String> = []
    /// Decide and report, but run and restore nothing (`--dry-run`, `lepton status`).
    public var dryRun = false
    /// How many stages may run or restore here at once.
    public var jobs = 2
    /// How many stages may be out on the cluster at once (`--max-jobs`).
    public var clusterJobs = 100
    /// After a failure, keep building stages that do not depend on it.
    public var keepGoing = false
    /// The context of a ``NoOpSnapshot`` to write after a complete, successful build; nil
    /// writes none.
    public var snapshotContext: String?
    /// Lepton's own binary, run by `tool` stages: the running executable.
    public var toolPath = BuildOptions.runningExecutable
    /// The binary that runs the trainer's tool stages (`train`, `evaluate`, `predict`) instead of
    /// ``toolPath``: `$LEPTON_TRAINER_TOOL`, which the SwiftPM plugin sets to an optimized
    /// `lepton-trainer`; nil uses ``toolPath``.
    public var trainerToolPath: String? = BuildOptions.environmentTrainerTool
    /// Whether Lepton runs inside `swift package lepton`, which holds SwiftPM's build lock for
    /// its whole run: stages that start `swift run`/`build`/`test` on the package's own build
    /// folder then fail at once with the fix instead of waiting forever. The plugin sets
    /// `LEPTON_INSIDE_SWIFTPM=1`.
    public var insideSwiftPM = Environment.value("LEPTON_INSIDE_SWIFTPM") == "1"
    /// The metrics of the last successful run, by name and by `FILE:NAME`, for gates on
    /// `previous` (`loss <= previous`); empty passes them.
    public var gateBaseline: [String: Double] = [:]
    /// The shared cache to look stages up in (after the local cache) and, when it allows
    /// uploads, to upload what runs; nil builds locally.
    public var remote: RemoteCache?
    /// The cores the local scheduler shares among running stages (`--cpus`); nil is the
    /// machine's. Stages that declare cpus never start together beyond it.
    public var cpus: Int?
    /// The memory in MiB the local scheduler shares among stages that declare memory
    /// (`--memory`); nil is the machine's physical memory.
    public var memoryMiB: Int?
    /// Where stages run that do not name an executor (`--executor`, `Lepton.config`).
    public var defaultExecutor: ExecutorKind = .local
    /// The cluster runner for stages whose executor is a cluster's; nil when none is set up.
    public var cluster: (any ClusterRunner)?
    /// Download every output a remote hit restores, not only those the build needs in the
    /// workspace (the requested stages' outputs, metrics, and inputs of stages that run).
    public var remoteDownloadAll = false

    public init(
        targets: [String] = [], force: Set<String> = [], dryRun: Bool = false, jobs: Int = 2, keepGoing: Bool = false
    ) {
        self.targets = targets
        self.force = force
        self.dryRun = dryRun
        self.jobs = jobs
        self.keepGoing = keepGoing
    }

    /// The running executable (`/proc/self/exe` resolved), else `lepton` on `PATH`.
    public static var runningExecutable: String {
        PosixFileSystem().realPath("/proc/self/exe") ?? "lepton"
    }

    /// `$LEPTON_TRAINER_TOOL` when set and not empty.
    public static var environmentTrainerTool: String? {
        Environment.value("LEPTON_TRAINER_TOOL")
    }
}
