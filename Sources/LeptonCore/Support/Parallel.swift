import Dispatch
import LeptonSystem
import Synchronization

/// Splits `0..<count` into one contiguous range per core (fewer when there is little work) and
/// runs `body` on each range in parallel, the last one on the calling thread; returns when all
/// ranges are done.
///
/// - Parameter minimumPerWorker: Below this many items per range, fewer threads are used.
enum Parallel {
    static func forEachRange(count: Int, minimumPerWorker: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(SystemCores.count, (count + minimumPerWorker - 1) / minimumPerWorker))
        let done = DispatchSemaphore(value: 0)
        for worker in 0..<workers {
            let range = (count * worker / workers)..<(count * (worker + 1) / workers)
            let job: @Sendable () -> Void = {
                body(range)
                done.signal()
            }
            if worker == workers - 1 { job() } else { DetachedThread.detach(job) }
        }
        for _ in 0..<workers { done.wait() }
    }
}

extension Parallel {
    /// Runs `body(index)` for every index in `0..<count` on up to `width` threads (the calling
    /// thread included), each taking the next index as it becomes free: for work that waits on
    /// the network rather than the CPU, where the width is a bound on transfers, not on cores.
    static func forEachItem(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let workers = max(1, min(width, count))
        let next = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        let job: @Sendable () -> Void = {
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= count { break }
                body(index)
            }
            done.signal()
        }
        for _ in 0..<(workers - 1) { DetachedThread.detach(job) }
        job()
        for _ in 0..<workers { done.wait() }
    }
}
