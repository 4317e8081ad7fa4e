/// What a build should do.
public struct BuildOptions: Sendable {
    /// Stages to build with everything they need; empty means all.
    public var targets: [String] = []
    /// Stages to run even when up to date.
    public var force: Set<String> = []
    /// Decide and report, but run and restore nothing (`--dry-run`, `lepton status`).
    public var dryRun = false
    /// How many stages may run at once.
    public var jobs = 2
    /// After a failure, keep building stages that do not depend on it.
    public var keepGoing = false
    /// The context of a ``NoOpSnapshot`` to write after a complete, successful build; nil
    /// writes none.
    public var snapshotContext: String?
    /// Lepton's own binary, run by `tool` stages (`.train`, `.evaluate`); by default the running
    /// executable.
    public var toolPath = BuildOptions.runningExecutable

    public init(
        targets: [String] = [], force: Set<String> = [], dryRun: Bool = false, jobs: Int = 2, keepGoing: Bool = false
    ) {
        self.targets = targets
        self.force = force
        self.dryRun = dryRun
        self.jobs = jobs
        self.keepGoing = keepGoing
    }

    /// The running executable's path (`/proc/self/exe` resolved), else `lepton` on `PATH`.
    public static var runningExecutable: String {
        FileSystem().realPath("/proc/self/exe") ?? "lepton"
    }
}
