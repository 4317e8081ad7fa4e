import Dispatch
import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches every job Lepton waits for with one query of the queue per poll interval (`squeue
/// --jobs=A,B,C`), however many jobs there are, and wakes each waiter after every query. A job
/// that left the queue's memory before it was seen ending is looked up in Slurm's accounting
/// (`sacct`) where there is one.
final class SlurmQueue: Sendable {
    private struct Entry {
        var state: SlurmJobState?
        var misses = 0
        let wake = DispatchSemaphore(value: 0)
    }

    private let command: SlurmCommand
    private let settings: SlurmSettings
    private let entries = Mutex<[String: Entry]>([:])
    private let polling = Atomic<Bool>(false)
    /// Queries made, for tests and benchmarks.
    let queries = Atomic<Int>(0)

    init(command: SlurmCommand, settings: SlurmSettings) {
        self.command = command
        self.settings = settings
    }

    /// Starts watching a submitted job.
    func watch(_ id: String) {
        entries.withLock { $0[id] = Entry() }
        if polling.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            DetachedThread.detach { [self] in poll() }
        }
    }

    /// Waits for the next query (at most about two poll intervals) and returns what the queue
    /// last said of the job; nil while nothing is known yet.
    func next(_ id: String) -> SlurmJobState? {
        guard let wake = entries.withLock({ $0[id]?.wake }) else { return nil }
        _ = wake.wait(timeout: .now() + .milliseconds(Int(settings.poll * 2000) + 100))
        return entries.withLock { $0[id]?.state }
    }

    /// Stops watching a job.
    func forget(_ id: String) {
        entries.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// The states of jobs by id, in one query; nil when the queue cannot be read (the controller
    /// is restarting or unreachable), which says nothing about the jobs.
    func states(of ids: [String]) -> [String: SlurmJobState]? {
        guard !ids.isEmpty else { return [:] }
        queries.add(1, ordering: .relaxed)
        let output = command.run([
            settings.command("squeue"), "--jobs=" + ids.joined(separator: ","), "--states=all", "--noheader",
            "--Format=JobID:|,State:|,Reason:|,exit_code:|",
        ])
        let states = SlurmJobState.parse(output.lines)
        // squeue fails for a list of ids none of which it knows any more: that is an answer.
        if !output.succeeded && !states.isEmpty { return states }
        if !output.succeeded && !output.text.contains("Invalid job id") { return nil }
        return states
    }

    private func poll() {
        while true {
            usleep(useconds_t(settings.poll * 1_000_000))
            let ids = entries.withLock { entries in
                entries.filter { $0.value.state?.isTerminal != true }.keys.sorted()
            }
            if ids.isEmpty {
                polling.store(false, ordering: .releasing)
                // A job watched just now, after the snapshot of ids, must not wait unpolled.
                let more = entries.withLock { !$0.isEmpty }
                if more,
                    polling.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
                        .exchanged
                {
                    wakeAll()
                    continue
                }
                wakeAll()
                return
            }
            // An unreadable queue counts against no job: wait for the controller to answer.
            guard var states = states(of: ids) else {
                wakeAll()
                continue
            }
            let missing = ids.filter { states[$0] == nil }
            let lost = entries.withLock { entries in
                missing.filter { id in
                    entries[id]?.misses += 1
                    return (entries[id]?.misses ?? 0) >= 3
                }
            }
            if !lost.isEmpty {
                let accounting = command.run([
                    settings.command("sacct"), "--jobs=" + lost.joined(separator: ","), "--noheader", "--parsable2",
                    "--allocations", "--format=JobID,State,ExitCode",
                ])
                for (id, state) in SlurmJobState.parseAccounting(accounting.lines) { states[id] = state }
                for id in lost where states[id] == nil && (entries.withLock { $0[id]?.misses ?? 0 }) >= 10 {
                    states[id] = SlurmJobState(state: "VANISHED", reason: "", waitStatus: 0)
                }
            }
            entries.withLock { entries in
                for (id, state) in states where entries[id] != nil {
                    entries[id]?.state = state
                    entries[id]?.misses = 0
                }
            }
            wakeAll()
        }
    }

    private func wakeAll() {
        for wake in entries.withLock({ $0.values.map(\.wake) }) { wake.signal() }
    }
}
