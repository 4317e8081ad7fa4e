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
    /// How many stages may run at once.
    public var jobs = 2
    /// After a failure, keep building stages that do not depend on it.
    public var keepGoing = false
    /// The context of a ``NoOpSnapshot`` to write after a complete, successful build; nil
    /// writes none.
    public var snapshotContext: String?
    /// Lepton's own binary, run by `tool` stages (`.train`, `.evaluate`): `$LEPTON_TOOL` (the
    /// SwiftPM plugin sets it to a release build), else the running executable.
    public var toolPath = BuildOptions.defaultToolPath

    public init(
        targets: [String] = [], force: Set<String> = [], dryRun: Bool = false, jobs: Int = 2, keepGoing: Bool = false
    ) {
        self.targets = targets
        self.force = force
        self.dryRun = dryRun
        self.jobs = jobs
        self.keepGoing = keepGoing
    }

    /// `$LEPTON_TOOL` when set, else the running executable (`/proc/self/exe` resolved), else
    /// `lepton` on `PATH`.
    public static var defaultToolPath: String {
        if let value = getenv("LEPTON_TOOL"), value.pointee != 0 { return String(cString: value) }
        return FileSystem().realPath("/proc/self/exe") ?? "lepton"
    }
}
