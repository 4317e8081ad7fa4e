#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where `lepton train`, `evaluate` and `predict` write: whole lines, unbuffered, so they
/// interleave cleanly with other stages' output when run as a stage.
struct TrainerConsole {
    /// Whether standard output is a terminal (and `TERM` is not `dumb`): only then is a live
    /// progress bar drawn.
    var isTerminal: Bool {
        isatty(STDOUT_FILENO) != 0 && (getenv("TERM").map { String(cString: $0) } ?? "") != "dumb"
    }

    /// Writes a line to standard output.
    func line(_ text: String) { write(text + "\n") }

    /// Writes text to standard output as it is.
    func write(_ text: String) { TrainerConsole.write(text, to: STDOUT_FILENO) }

    /// Writes a message line to standard error.
    func error(_ text: String) { TrainerConsole.write(text.hasSuffix("\n") ? text : text + "\n", to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                    Glibc.write(descriptor, raw.baseAddress, raw.count)
                #else
                    Darwin.write(descriptor, raw.baseAddress, raw.count)
                #endif
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            bytes = bytes.dropFirst(count)
        }
    }
}
