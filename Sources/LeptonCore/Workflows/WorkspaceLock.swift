/// The build lock of a package, taken by every command that changes its workspace or cache,
/// followed by the clean-up of whatever a dead Lepton left (see ``WorkspaceRecovery``).
public final class WorkspaceLock: Sendable {
    public let lock: BuildLock
    /// What the recovery cleaned up; its ``WorkspaceRecovery/Report/messages`` are warnings.
    public let recovery: WorkspaceRecovery.Report

    /// Takes the lock (waiting for its holder) and recovers.
    ///
    /// - Parameters:
    ///   - workspace: The package.
    ///   - command: What this process is, recorded for whoever waits next.
    ///   - outputs: The declared outputs, beside which temporaries are looked for.
    ///   - waiting: Called once with the holder's description before waiting.
    /// - Throws: ``LeptonError`` when `.lepton/` cannot be created or the lock file opened.
    public init(
        workspace: Workspace, command: String, outputs: [String], waiting: (String) -> Void
    ) throws(LeptonError) {
        try workspace.prepare()
        lock = try BuildLock.acquire(path: workspace.buildLockFile, command: command, waiting: waiting)
        recovery = WorkspaceRecovery(workspace: workspace).run(outputs: outputs)
    }
}
