#if canImport(Glibc)
    import Glibc
#endif

/// How often and how patiently a failed remote request is tried again: exponential backoff
/// with jitter on connection errors, timeouts, 5xx answers and corrupt downloads.
public struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    public var attempts: Int
    /// The wait before the second try; each later wait doubles, up to ``maximumDelay``.
    public var initialDelay: Double
    public var maximumDelay: Double

    public init(attempts: Int = 4, initialDelay: Double = 0.25, maximumDelay: Double = 4) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before try `attempt` (2, 3, …), with up to 25% random jitter so that parallel
    /// transfers do not retry in lockstep.
    public func delay(before attempt: Int) -> Double {
        let base = min(maximumDelay, initialDelay * Double(1 << min(20, max(0, attempt - 2))))
        return base * Double.random(in: 0.75...1.0)
    }

    /// Runs `operation` until it succeeds, fails for a reason retrying cannot fix, or the tries
    /// run out; `onRetry` hears about every failure that is retried.
    public func run<T>(
        _ operation: () throws(RemoteError) -> T, onRetry: (RemoteError, Int) -> Void = { _, _ in }
    ) throws(RemoteError) -> T {
        var attempt = 1
        while true {
            do throws(RemoteError) {
                return try operation()
            } catch {
                guard error.isRetryable, attempt < attempts else { throw error }
                attempt += 1
                onRetry(error, attempt)
                let seconds = delay(before: attempt)
                if seconds > 0 { usleep(useconds_t(seconds * 1_000_000)) }
            }
        }
    }
}
