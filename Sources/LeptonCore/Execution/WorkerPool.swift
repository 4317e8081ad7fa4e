import Dispatch
import Synchronization

/// A fixed set of threads that run submitted jobs, so a build of thousands of stages creates
/// `--jobs` threads, not one per stage.
final class WorkerPool: Sendable {
    private let queue = Mutex<(jobs: [@Sendable () -> Void], stopping: Bool)>(([], false))
    private let available = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let size: Int

    init(threads: Int) {
        size = max(1, threads)
        for _ in 0..<size {
            Thread.detach { [self] in
                while true {
                    self.available.wait()
                    let next = self.queue.withLock { state -> (@Sendable () -> Void)? in
                        state.jobs.isEmpty ? nil : state.jobs.removeFirst()
                    }
                    guard let job = next else { break }  // woken with no job: stop
                    job()
                }
                self.stopped.signal()
            }
        }
    }

    /// Runs a job on the next free thread.
    func submit(_ job: @escaping @Sendable () -> Void) {
        queue.withLock { $0.jobs.append(job) }
        available.signal()
    }

    /// Lets queued jobs finish, then ends every thread.
    func shutdown() {
        queue.withLock { $0.stopping = true }
        for _ in 0..<size { available.signal() }
        for _ in 0..<size { stopped.wait() }
    }
}
