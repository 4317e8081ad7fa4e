import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Prints one line per stage as it is decided or finishes: `ran`, `restored`, `up to date`,
/// `FAILED` (with the line of its log that says what went wrong, and the end of the log), with
/// durations and reasons. On a terminal, a stage that has printed nothing for a while gets a
/// heartbeat line (`still running features (2m10s)`), so a long silent stage does not look hung.
final class ConsoleObserver: BuildObserver {
    /// Pipelines up to this many stages list their up-to-date stages; larger ones count them
    /// in the summary (and list them with `--verbose`).
    static let listUpToDateUpTo = 40

    let console: Console
    let verbose: Bool
    let showUpToDate: Bool
    /// Whether lines stages print are shown (they are always in the stage's log).
    let showOutput: Bool
    /// Seconds of silence before a running stage's first heartbeat, and between heartbeats.
    static let heartbeatAfter = 30.0
    private let lock = Mutex<Void>(())
    /// Running stages: when each started and when it last printed or got a heartbeat.
    private let running = Mutex<[String: (started: Double, heard: Double)]>([:])
    private let clock: @Sendable () -> Double

    init(
        console: Console, verbose: Bool, showUpToDate: Bool, showOutput: Bool = true,
        heartbeats: Bool? = nil, clock: @escaping @Sendable () -> Double = ConsoleObserver.monotonicSeconds
    ) {
        self.console = console
        self.verbose = verbose
        self.showUpToDate = showUpToDate
        self.showOutput = showOutput
        self.clock = clock
        if heartbeats ?? console.terminal.isInteractive(error: false) {
            // The thread holds the observer weakly and ends with it.
            let observer = WeakObserver(self)
            DetachedThread.detach {
                while let current = observer.value {
                    for line in current.heartbeats() { current.lock.withLock { _ in current.console.line(line) } }
                    usleep(2_000_000)
                }
            }
        }
    }

    static func monotonicSeconds() -> Double { Double(SystemClock().monotonicNow()) / 1e9 }

    /// Heartbeat lines for the stages silent for ``heartbeatAfter`` seconds, each marked heard.
    func heartbeats() -> [String] {
        let now = clock()
        return running.withLock { running in
            var lines: [String] = []
            for (stage, times) in running.sorted(by: { $0.key < $1.key })
            where now - times.heard >= ConsoleObserver.heartbeatAfter {
                lines.append(console.dim("  still running \(stage) (\(Format.duration(now - times.started)))"))
                running[stage]?.heard = now
            }
            return lines
        }
    }

    func stageOutput(_ stage: String, line: String) {
        running.withLock { running in running[stage]?.heard = clock() }
        guard showOutput else { return }
        lock.withLock { _ in console.line(console.dim("  \(stage) │ ") + line) }
    }

    func stageStarted(_ stage: String, restoring: Bool) {
        let now = clock()
        running.withLock { $0[stage] = (now, now) }
        guard verbose else { return }
        lock.withLock { _ in console.line(console.dim("  \(restoring ? "restoring" : "running  ") \(stage)")) }
    }

    func stageFinished(_ stage: String, outcome: StageOutcome, seconds: Double) {
        running.withLock { _ = $0.removeValue(forKey: stage) }
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
            if let first = failure.firstError { lines.append("  first error: " + first) }
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

/// A weak reference a background thread can hold.
private final class WeakObserver: @unchecked Sendable {
    weak var value: ConsoleObserver?
    init(_ value: ConsoleObserver) { self.value = value }
}
