import Synchronization

/// Whether this process runs one command and exits (the `lepton` executable), and the values
/// it keeps until then.
///
/// A process that runs one command may read a file once for the whole command (the no-op
/// snapshot and its scan describe the files at one moment), and need not free what it built
/// just before `exit`: a command that decided a 1,000-stage pipeline holds tens of thousands of
/// strings and dictionaries (the lock, the stat cache, the description), and freeing them one by
/// one was a tenth of a stale `lepton status`. Anything else (tests running commands in-process)
/// reads afresh and frees as usual.
public enum ProcessLifetime {
    private static let oneCommand = Atomic<Bool>(false)
    private static let kept = Mutex<[Kept]>([])

    /// A value that is never read again, only held.
    private struct Kept: @unchecked Sendable { let value: Any }

    /// Declares that this process runs one command and exits.
    public static func runOneCommand() { oneCommand.store(true, ordering: .relaxed) }

    /// Whether ``runOneCommand()`` was declared.
    public static var runsOneCommand: Bool { oneCommand.load(ordering: .relaxed) }

    /// Keeps `value` (a reference, or a value whose storage is shared) alive until exit in a
    /// process that runs one command; otherwise does nothing.
    public static func retain(_ value: Any) {
        guard runsOneCommand else { return }
        let held = Kept(value: value)
        kept.withLock { $0.append(held) }
    }
}
