import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where the CLI's output goes: standard output and standard error of the process, or — in
/// tests that run commands in-process — a capture. ``Console`` writes through the task's
/// terminal (``TerminalScope/current``), so a command's code never names a file descriptor.
protocol Terminal: Sendable {
    /// Writes text to standard output (`error` false) or standard error.
    func write(_ text: String, error: Bool)
    /// Whether the stream is an interactive terminal (colours, live lines).
    func isInteractive(error: Bool) -> Bool
}

/// The terminal of the running command; tests bind a ``CapturedTerminal`` with
/// `TerminalScope.$current.withValue(…)`.
enum TerminalScope {
    @TaskLocal static var current: any Terminal = StandardTerminal()
}

/// Descriptors 1 and 2, written whole and unbuffered (so lines from stages interleave whole).
struct StandardTerminal: Terminal {
    func write(_ text: String, error: Bool) {
        _ = Array(text.utf8).withUnsafeBytes { writeAll(error ? STDERR_FILENO : STDOUT_FILENO, $0) }
    }

    func isInteractive(error: Bool) -> Bool {
        isatty(error ? STDERR_FILENO : STDOUT_FILENO) != 0
            && Environment.raw("TERM") != "dumb"
    }
}

/// Everything a command wrote, in order, standard output and standard error together (as a
/// user sees them); never interactive.
final class CapturedTerminal: Terminal {
    private let text = Mutex("")

    init() {}

    func write(_ text: String, error: Bool) { self.text.withLock { $0 += text } }
    func isInteractive(error: Bool) -> Bool { false }

    /// The output so far.
    var output: String { text.withLock { $0 } }
}
