import LeptonCore
import Synchronization

/// Prints one line per stage as it is decided or finishes: `ran`, `restored`, `up to date`,
/// `FAILED` (with the end of its log), with durations and reasons.
final class ConsoleObserver: BuildObserver {
    /// Pipelines up to this many stages list their up-to-date stages; larger ones count them
    /// in the summary (and list them with `--verbose`).
    static let listUpToDateUpTo = 40

    let console: Console
    let verbose: Bool
    let showUpToDate: Bool
    /// Whether lines stages print are shown (they are always in the stage's log).
    let showOutput: Bool
    private let lock = Mutex<Void>(())

    init(console: Console, verbose: Bool, showUpToDate: Bool, showOutput: Bool = true) {
        self.console = console
        self.verbose = verbose
        self.showUpToDate = showUpToDate
        self.showOutput = showOutput
    }

    func stageOutput(_ stage: String, line: String) {
        guard showOutput else { return }
        lock.withLock { _ in console.line(console.dim("  \(stage) │ ") + line) }
    }

    func stageStarted(_ stage: String, restoring: Bool) {
        guard verbose else { return }
        lock.withLock { _ in console.line(console.dim("  \(restoring ? "restoring" : "running  ") \(stage)")) }
    }

    func stageFinished(_ stage: String, outcome: StageOutcome, seconds: Double) {
        lock.withLock { _ in
            for line in ConsoleObserver.lines(
                stage, outcome, seconds, console: console, verbose: verbose, showUpToDate: showUpToDate)
            {
                console.line(line)
            }
        }
    }

    func warning(_ message: String) {
        lock.withLock { _ in console.error(console.yellow("warning: ") + message) }
    }

    static func lines(
        _ stage: String, _ outcome: StageOutcome, _ seconds: Double, console: Console, verbose: Bool, showUpToDate: Bool
    ) -> [String] {
        let time = Format.duration(seconds)
        func why(_ reasons: [RebuildReason]) -> String {
            let shown = verbose ? reasons : Array(reasons.prefix(3))
            var text = shown.map(\.description).joined(separator: ", ")
            if reasons.count > shown.count { text += ", and \(reasons.count - shown.count) more" }
            return text.isEmpty ? "" : console.dim(" (\(text))")
        }
        switch outcome {
        case .upToDate:
            return showUpToDate || verbose ? [console.dim("  up to date  \(stage)")] : []
        case .ran(let reasons):
            return ["  \(console.green("ran"))         \(stage) \(console.dim(time))\(why(reasons))"]
        case .restored(let reasons, let source):
            var origin = ""
            if case .remote(let bytes, let deferred) = source {
                origin = console.dim(
                    deferred ? " from remote (left on the server)" : " from remote (\(Format.bytes(bytes)))")
            }
            return ["  \(console.cyan("restored"))    \(stage)\(origin) \(console.dim(time))\(why(reasons))"]
        case .wouldRun(let reasons):
            return ["  would run   \(stage)\(why(reasons))"]
        case .wouldRestore(let reasons):
            return ["  would restore \(stage)\(why(reasons))"]
        case .skipped(let reason):
            return ["  \(console.yellow("skipped"))     \(stage) \(console.dim("(\(reason))"))"]
        case .failed(let failure):
            var lines = ["  \(console.red("FAILED"))      \(stage) \(console.dim(time)): \(failure.message)"]
            if !failure.logTail.isEmpty {
                lines.append(console.dim("  ┌ last lines of \(failure.logPath ?? "the log"):"))
                lines += failure.logTail.map { console.dim("  │ ") + $0 }
                lines.append(console.dim("  └"))
            }
            return lines
        }
    }
}

/// Small text formatting helpers shared by commands.
enum Format {
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(Int(seconds * 10) / 10) + "." + String(Int(seconds * 10) % 10) + "s" }
        return "\(Int(seconds) / 60)m\(Int(seconds) % 60)s"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : "\(Int(value * 10) / 10).\(Int(value * 10) % 10) \(units[unit])"
    }
}
