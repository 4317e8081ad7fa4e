import LeptonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Prints remote-cache warnings, and on a terminal a live transfer line (bytes, rate, ETA) on
/// standard error that is cleared when the batch ends. Off a terminal nothing but warnings is
/// printed: CI logs get no control characters.
final class ConsoleRemoteObserver: RemoteObserver {
    let console: Console
    let live: Bool

    init(console: Console) {
        self.console = console
        self.live = console.terminal.isInteractive(error: true)
    }

    func remoteWarning(_ message: String) {
        console.error(console.yellow("warning: ") + message)
    }

    func transferProgress(_ progress: TransferProgress) {
        guard live else { return }
        if progress.finished {
            Console.clearLive(terminal: console.terminal)
            return
        }
        let arrow = progress.direction == .download ? "↓" : "↑"
        var text = "  \(arrow) \(Format.bytes(progress.bytes))"
        if progress.totalBytes > 0 { text += " of \(Format.bytes(progress.totalBytes))" }
        text += ", \(progress.files)/\(progress.totalFiles) files, \(Format.bytes(Int64(progress.rate)))/s"
        if let left = progress.secondsLeft { text += ", \(Format.duration(left)) left" }
        Console.showLive(text, terminal: console.terminal)
    }
}
