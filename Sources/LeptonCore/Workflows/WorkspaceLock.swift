import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The build lock of a package, taken by every command that changes its workspace or cache,
/// followed by the clean-up of whatever a dead Lepton left (see ``WorkspaceRecovery``).
///
/// While it is held, `.lepton/lock-held` exists; it is removed when the lock is released. Found
/// by the next holder, it says the previous one died holding the lock, and the recovery then
/// also looks beside every declared output for temporary files.
public final class WorkspaceLock: Sendable {
    public let lock: BuildLock
    /// What the recovery cleaned up; its ``WorkspaceRecovery/Report/messages`` are warnings.
    public let recovery: WorkspaceRecovery.Report
    private let marker: String

    deinit { try? PosixFileSystem().remove(marker) }

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
        marker = WorkspaceLock.markerPath(workspace)
        recovery = WorkspaceLock.recover(workspace, outputs: outputs, marker: marker)
    }

    private init(lock: BuildLock, workspace: Workspace, outputs: [String]) {
        self.lock = lock
        marker = WorkspaceLock.markerPath(workspace)
        recovery = WorkspaceLock.recover(workspace, outputs: outputs, marker: marker)
    }

    private static func markerPath(_ workspace: Workspace) -> String { workspace.stateDirectory + "/lock-held" }

    private static func recover(_ workspace: Workspace, outputs: [String], marker: String) -> WorkspaceRecovery.Report {
        let fileSystem = PosixFileSystem()
        let died = fileSystem.exists(marker)
        try? fileSystem.writeAtomically(Array("\(getpid())\n".utf8), to: marker, durable: false)
        return WorkspaceRecovery(workspace: workspace, fileSystem: fileSystem).run(outputs: outputs, holderDied: died)
    }

    /// For commands that only read (`status`, dry runs): recovers what a dead Lepton left when
    /// no build is running, so a params file a killed `--set` build overlaid is read as the
    /// user wrote it; returns nil, recovering nothing, while a build holds the lock.
    public static func recoverIfIdle(workspace: Workspace, command: String, outputs: [String]) -> WorkspaceLock? {
        guard (try? workspace.prepare()) != nil,
            let held = try? BuildLock.tryAcquire(path: workspace.buildLockFile, command: command)
        else { return nil }
        return WorkspaceLock(lock: held, workspace: workspace, outputs: outputs)
    }
}
