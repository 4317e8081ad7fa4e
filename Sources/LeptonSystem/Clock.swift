#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time, as a seam so tests can drive the stat cache's racy-file rule.
public protocol Clock: Sendable {
    /// Nanoseconds since the epoch, at the granularity file timestamps are taken with.
    func fileTimeNow() -> Int64
    /// A monotonic reading in nanoseconds, for durations.
    func monotonicNow() -> UInt64
}

/// The system clock: the coarse real-time clock the kernel stamps files with.
public struct SystemClock: Clock {
    public init() {}

    public func fileTimeNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public func monotonicNow() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// The number of cores online.
public enum SystemCores {
    public static var count: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
