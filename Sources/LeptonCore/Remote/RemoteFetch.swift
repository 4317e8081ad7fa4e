import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The remote cache as the ``ObjectSource`` of one restore: blobs go straight from the server
/// into the staging files beside their workspace targets, one progress line for the batch.
public final class RemoteFetch: ObjectSource {
    public let remote: RemoteCache
    private let meter: ProgressMeter

    /// - Parameters:
    ///   - remote: The remote cache to download from.
    ///   - outputs: The outputs about to be restored; the file objects the local cache lacks are
    ///     the batch the progress line counts.
    public init(remote: RemoteCache, outputs: some Sequence<PathDigest>) {
        self.remote = remote
        let missing = Set(outputs.filter { $0.kind == .file }.map(\.digest).filter { !remote.local.hasObject($0) })
        meter = ProgressMeter(
            direction: .download, totalBytes: missing.reduce(0) { $0 + (remote.knownSize(of: $1) ?? 0) },
            totalFiles: missing.count, observer: remote.observer, clock: remote.clock)
    }

    public var width: Int { remote.width }

    public func fetch(_ digest: String, to path: String, mode: mode_t) throws(LeptonError) {
        do throws(RemoteError) {
            try remote.fetch(digest, to: path, mode: mode, progress: meter)
        } catch {
            throw LeptonError(.cacheMiss, error.message)
        }
        meter.fileDone()
    }

    /// Ends the batch's progress line; returns the bytes fetched.
    @discardableResult public func finish() -> Int64 {
        // A batch with nothing to fetch shows no progress line, as a download of nothing does not.
        guard meter.totalFiles > 0 else { return 0 }
        meter.finish()
        return meter.bytes
    }
}
