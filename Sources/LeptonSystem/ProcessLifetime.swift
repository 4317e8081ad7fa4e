import Synchronization

/// Values kept until the process exits instead of freed on the way out.
///
/// A `lepton` command that decided a 1,000-stage pipeline holds tens of thousands of strings
/// and dictionaries (the lock, the stat cache, the description); freeing them one by one just
/// before `exit` was a tenth of a stale `lepton status`. The executable, which runs one command
/// per process, turns this on; anything else (tests running commands in-process) frees as usual.
public enum ProcessLifetime {
    private static let enabled = Atomic<Bool>(false)
    private static let kept = Mutex<[Kept]>([])

    /// A value that is never read again, only held.
    private struct Kept: @unchecked Sendable { let value: Any }

    /// Keeps what ``retain(_:)`` is given for the rest of the process.
    public static func keepUntilExit() { enabled.store(true, ordering: .relaxed) }

    /// Keeps `value` (a reference, or a value whose storage is shared) alive until exit, when
    /// enabled; otherwise does nothing.
    public static func retain(_ value: Any) {
        guard enabled.load(ordering: .relaxed) else { return }
        let held = Kept(value: value)
        kept.withLock { $0.append(held) }
    }
}
