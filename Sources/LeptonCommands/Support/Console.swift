import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to the terminal: colours only on a terminal and without `NO_COLOR`.
struct Console: Sendable {
    let colors: Bool

    init() {
        colors =
            isatty(STDOUT_FILENO) != 0 && getenv("NO_COLOR") == nil
            && (getenv("TERM").map { String(cString: $0) } ?? "") != "dumb"
    }

    /// Writes a line to standard output (unbuffered, so lines from stages interleave whole).
    func line(_ text: String) {
        Console.clearLive()
        Console.write(text + "\n", to: STDOUT_FILENO)
    }

    /// Writes a message to standard error.
    func error(_ text: String) {
        Console.clearLive()
        Console.write(text.hasSuffix("\n") ? text : text + "\n", to: STDERR_FILENO)
    }

    /// Whether a live status line (transfer progress) is on standard error.
    private static let live = Mutex(false)

    /// Shows (or replaces) the live status line on standard error; callers show it only on a
    /// terminal. Any other output clears it first, so it never mixes with stage lines.
    static func showLive(_ text: String) {
        live.withLock { shown in
            write("\r\u{1B}[K" + text, to: STDERR_FILENO)
            shown = true
        }
    }

    /// Removes the live status line, if shown.
    static func clearLive() {
        live.withLock { shown in
            if shown { write("\r\u{1B}[K", to: STDERR_FILENO) }
            shown = false
        }
    }

    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            bytes = bytes.dropFirst(count)
        }
    }

    func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func cyan(_ text: String) -> String { paint(text, "36") }
    func dim(_ text: String) -> String { paint(text, "2") }
}
