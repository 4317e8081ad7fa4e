import Synchronization

/// A remote hit's outputs left on the server; the first stage that needs them downloads them
/// while others that need them wait.
final class DeferredOutputs: Sendable {
    private let entry = Mutex<RunCacheEntry?>(nil)

    func store(_ value: RunCacheEntry) { entry.withLock { $0 = value } }

    /// Runs `fetch` on the deferred entry, if any, holding the lock; clears it on success.
    /// Returns `fetch`'s problem, nil when there was nothing to do or it succeeded.
    func takeAndFetch(_ fetch: (RunCacheEntry) -> RemoteError?) -> RemoteError? {
        entry.withLock { value in
            guard let current = value else { return nil }
            let problem = fetch(current)
            if problem == nil { value = nil }
            return problem
        }
    }
}
