import CLeptonSpawn
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process groups of stages that are running, in an append-only file `.lepton/running`
/// (`s <pid> <start time> <stage>` when a group starts, `e <pid>` when it ends), so that the
/// next command can stop what a build killed by SIGKILL left behind (a stage's children
/// outlive it even where the stage itself dies with Lepton).
///
/// One `write` per line on a descriptor opened once: two small appends per stage, no rename
/// (a file per stage cost about 0.3 ms a stage here). A pid alone could name an unrelated
/// process by the time it is read; with the process's start time it names one process for
/// good, so only Lepton's own stages are stopped. The start time is written as the clock-tick
/// range `<first>-<last>` the spawn ran in (the boot-time clock read before and after it, which
/// is what the kernel stamps a new process with), not read from `/proc/PID/stat`: that was an
/// `open`, a `read` and a `close` per stage. A single number (an earlier Lepton's) is exact.
public final class RunningProcesses: Sendable {
    public let path: String
    let fileSystem: any FileSystem
    private let file = Mutex<FileDescriptor?>(nil)

    public init(path: String, fileSystem: any FileSystem = PosixFileSystem()) {
        self.path = path
        self.fileSystem = fileSystem
    }

    /// Records a group that just started, spawned while the boot-time clock read `ticks`
    /// (``lepton_boot_ticks()`` before and after the spawn).
    public func started(_ pid: pid_t, stage: String, ticks: ClosedRange<UInt64>) {
        append("s \(pid) \(ticks.lowerBound)-\(ticks.upperBound) \(stage)\n")
    }

    /// Records that a group ended.
    public func ended(_ pid: pid_t) { append("e \(pid)\n") }

    private func append(_ line: String) {
        file.withLock { open in
            if open == nil { open = try? fileSystem.open(path, .append) }
            open?.writeAll(Array(line.utf8))
        }
    }

    /// Stops every recorded group that did not end and whose leader is still the process that
    /// was recorded (or is gone while its group may live on): SIGKILL to the whole group. Then
    /// forgets them all. Call it holding the build lock, so that no running build's stages are
    /// among them.
    ///
    /// - Returns: the stages stopped.
    @discardableResult
    public func stopLeftovers() -> [String] {
        guard let text = try? fileSystem.readText(path) else { return [] }
        var running: [pid_t: (started: ClosedRange<UInt64>, stage: String)] = [:]
        var order: [pid_t] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count >= 2, let pid = pid_t(fields[1]), pid > 1 else { continue }
            if fields[0] == "e" {
                running[pid] = nil
            } else if fields[0] == "s", fields.count == 4, let started = RunningProcesses.ticks(fields[2]) {
                running[pid] = (started, String(fields[3]))
                order.append(pid)
            }
        }
        var stopped: [String] = []
        for pid in order {
            guard let entry = running.removeValue(forKey: pid) else { continue }
            let now = lepton_process_start_time(pid)
            // A group id is not reused while any member lives: killing it is safe when the
            // leader is ours or gone; a leader that is another process means ours is gone.
            if (entry.started.contains(now) && entry.started.lowerBound != 0) || now == 0 {
                if kill(-pid, SIGKILL) == 0 { stopped.append(entry.stage) }
            }
        }
        try? fileSystem.remove(path)
        return stopped
    }

    /// `<first>-<last>` or one exact start time.
    private static func ticks(_ field: Substring) -> ClosedRange<UInt64>? {
        let bounds = field.split(separator: "-", maxSplits: 1)
        guard let first = bounds.first.flatMap({ UInt64($0) }), let last = UInt64(bounds.last ?? field), first <= last
        else { return nil }
        return first...last
    }
}
