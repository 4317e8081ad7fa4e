import LeptonSystem

/// What a workflow tells its caller while it works: that it waits for another Lepton's build
/// lock, and warnings (a recovery's clean-up among them). The CLI prints them; tests collect them.
public struct WorkflowEvents: Sendable {
    /// Called once with the holder's description before waiting for the build lock.
    public var waiting: @Sendable (String) -> Void
    /// A warning worth telling.
    public var warning: @Sendable (String) -> Void

    public init(
        waiting: @escaping @Sendable (String) -> Void = { _ in },
        warning: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.waiting = waiting
        self.warning = warning
    }
}

extension WorkspaceLock {
    /// Runs `work` holding the package's build lock (after the recovery of what a dead Lepton
    /// left, whose messages go to `events`); the lock is released when `work` returns.
    static func holding<T>(
        _ workspace: Workspace, command: String, outputs: [String] = [], events: WorkflowEvents,
        _ work: () throws(LeptonError) -> T
    ) throws(LeptonError) -> T {
        let lock = try WorkspaceLock(workspace: workspace, command: command, outputs: outputs) { events.waiting($0) }
        for message in lock.recovery.messages { events.warning(message) }
        defer { withExtendedLifetime(lock) {} }
        return try work()
    }
}
