import CLeptonKernels
import Foundation
import Synchronization

/// A fixed set of worker threads for the trainer's short parallel kernels.
///
/// A training step runs a handful of GEMMs of a fraction of a millisecond each; waking sleeping
/// threads for each one (as `DispatchQueue.concurrentPerform` does) costs more than the second
/// core gains. Workers here spin for a short while after each job, so the next one starts at
/// once, and sleep on a condition only when the trainer pauses (evaluation, data loading).
final class SpinningPool: @unchecked Sendable {
    /// Threads besides the caller's.
    let workers: Int
    private let state: State

    /// What the pool and its threads share; the threads keep it alive until they stop.
    private final class State: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let pending = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let condition = NSCondition()
        /// Written by the caller before `generation` is raised, read by workers after.
        var job: ((Int) -> Void)?
        var parts = 0

        /// Publishes a new generation (a job or the stop signal) and wakes sleeping workers.
        func publish() {
            condition.lock()
            generation.add(1, ordering: .releasing)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// How many times an idle worker checks for work before it sleeps (some tens of µs).
    private static let spinLimit = 20_000

    init(threads: Int) {
        workers = max(0, threads - 1)
        state = State()
        for index in 0..<workers {
            let state = self.state
            let thread = Thread { SpinningPool.work(state, index: index + 1) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.stopping.store(true, ordering: .releasing)
        state.publish()
    }

    /// Runs `body(part)` for part in 0..<parts, parts beyond the first on the workers (part 0
    /// on the caller's thread), and returns when all are done.
    func run(parts: Int, _ body: (Int) -> Void) {
        let count = min(parts, workers + 1)
        if count <= 1 {
            for part in 0..<parts { body(part) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            state.job = escapable
            state.parts = count
            state.pending.store(workers, ordering: .relaxed)
            state.publish()
            escapable(0)
            while state.pending.load(ordering: .acquiring) > 0 { lepton_cpu_relax() }
            state.job = nil
        }
    }

    private static func work(_ state: State, index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while state.generation.load(ordering: .acquiring) == seen {
                if spins < spinLimit {
                    spins += 1
                    lepton_cpu_relax()
                    continue
                }
                state.condition.lock()
                while state.generation.load(ordering: .acquiring) == seen { state.condition.wait() }
                state.condition.unlock()
            }
            seen = state.generation.load(ordering: .acquiring)
            if state.stopping.load(ordering: .acquiring) { return }
            if index < state.parts, let job = state.job { job(index) }
            state.pending.subtract(1, ordering: .releasing)
        }
    }
}
