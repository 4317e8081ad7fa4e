import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to the task's ``Terminal``: colours on a terminal, or where `FORCE_COLOR` or
/// `CLICOLOR_FORCE` asks for them (CI logs), never with `NO_COLOR` (see ``wantsColors``).
struct Console: Sendable {
    let colors: Bool
    let terminal: any Terminal

    init(terminal: any Terminal = TerminalScope.current) {
        self.terminal = terminal
        colors = Console.wantsColors(interactive: terminal.isInteractive(error: false), environment: Environment.value)
    }

    /// Whether to colour: a non-empty `NO_COLOR` never (no-color.org: an empty one does not
    /// count); else a `FORCE_COLOR` or `CLICOLOR_FORCE` that is set and not `0` always; else
    /// only on an interactive terminal.
    static func wantsColors(interactive: Bool, environment: (String) -> String?) -> Bool {
        if environment("NO_COLOR") != nil { return false }
        for name in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
            if let value = environment(name), value != "0" { return true }
        }
        return interactive
    }

    /// Writes a line to standard output (unbuffered, so lines from stages interleave whole).
    func line(_ text: String) {
        Console.clearLive(terminal: terminal)
        terminal.write(text + "\n", error: false)
    }

    /// Writes a message to standard error.
    func error(_ text: String) {
        Console.clearLive(terminal: terminal)
        terminal.write(text.hasSuffix("\n") ? text : text + "\n", error: true)
    }

    /// Whether a live status line (transfer progress) is on standard error.
    private static let live = Mutex(false)

    /// Shows (or replaces) the live status line on standard error; callers show it only on a
    /// terminal. Any other output clears it first, so it never mixes with stage lines.
    static func showLive(_ text: String, terminal: any Terminal) {
        live.withLock { shown in
            terminal.write("\r\u{1B}[K" + text, error: true)
            shown = true
        }
    }

    /// Removes the live status line, if shown.
    static func clearLive(terminal: any Terminal) {
        live.withLock { shown in
            if shown { terminal.write("\r\u{1B}[K", error: true) }
            shown = false
        }
    }

    func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func green(_ text: String) -> String { paint(text, "32") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func cyan(_ text: String) -> String { paint(text, "36") }
    func dim(_ text: String) -> String { paint(text, "2") }
}
