/// Hears what a ``RemoteCache`` does: warnings (a corrupt download discarded, an unreachable
/// server) and transfer progress. The CLI's implementation prints; the engine never does.
public protocol RemoteObserver: Sendable {
    func remoteWarning(_ message: String)
    /// Called at most a few times a second while blobs move, and once with `finished` set.
    func transferProgress(_ progress: TransferProgress)
}

/// How far a batch of transfers has come.
public struct TransferProgress: Sendable, Equatable {
    public enum Direction: String, Sendable { case download, upload }
    public var direction: Direction
    public var bytes: Int64
    /// The batch's total bytes when known (sizes come from `HEAD`), else 0.
    public var totalBytes: Int64
    public var files: Int
    public var totalFiles: Int
    public var seconds: Double
    public var finished: Bool

    /// Bytes per second so far.
    public var rate: Double { seconds > 0 ? Double(bytes) / seconds : 0 }

    /// Seconds left at the current rate, nil when unknown.
    public var secondsLeft: Double? {
        guard totalBytes > bytes, rate > 0 else { return nil }
        return Double(totalBytes - bytes) / rate
    }
}

/// What a ``RemoteCache`` did in one command, for the summary and `--summary-json`.
public struct RemoteStats: Sendable, Equatable {
    /// Run-cache lookups answered by a complete remote entry.
    public var hits = 0
    /// Lookups with no entry, or an entry whose blobs are missing.
    public var misses = 0
    public var downloadedFiles = 0
    public var downloadedBytes: Int64 = 0
    public var uploadedFiles = 0
    public var uploadedBytes: Int64 = 0
    /// Run-cache entries uploaded.
    public var uploadedEntries = 0
    /// Downloads discarded because their bytes did not match their digest.
    public var corruptDownloads = 0
    /// Requests tried again after a retryable failure.
    public var retries = 0
    /// Wall-clock seconds during which at least one download batch was under way.
    public var downloadSeconds = 0.0

    public init() {}
}
