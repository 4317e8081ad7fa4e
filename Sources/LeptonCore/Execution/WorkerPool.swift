import Dispatch
import Synchronization

/// A fixed set of threads that run submitted jobs, so a build of thousands of stages creates
/// `--jobs` threads, not one per stage.
final class WorkerPool: Sendable {
    private let queue = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let size: Int

    init(threads: Int) {
        size = max(1, threads)
        for _ in 0..<size {
            DetachedThread.detach { [self] in
                while true {
                    self.available.wait()
                    let next = self.queue.withLock { jobs -> (@Sendable () -> Void)? in
                        jobs.isEmpty ? nil : jobs.removeFirst()
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
        queue.withLock { $0.append(job) }
        available.signal()
    }

    /// Lets queued jobs finish, then ends every thread.
    func shutdown() {
        for _ in 0..<size { available.signal() }
        for _ in 0..<size { stopped.wait() }
    }
}
