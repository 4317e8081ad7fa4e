import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The shared cache on a server, in front of the local ``ArtifactCache``.
///
/// - A lookup (`ac/<key>`) is a hit only when every blob the entry names is on the server or
///   already local: an entry with missing blobs is a miss, never a half restore.
/// - Every download lands in a temporary file beside its cache object while being hashed, and
///   is renamed into place only when its digest matches; a corrupt or truncated blob is
///   discarded, reported and tried again, and never reaches the workspace.
/// - Uploads send the blobs first and the entry last, so no reader sees an entry before its
///   blobs. Uploads happen only when ``uploads`` is set (read-only is the default).
/// - Failures are retried with backoff (``RetryPolicy``); when the server stays unreachable or
///   refuses the credentials, the cache marks itself unavailable, warns once and the build goes
///   on locally (unless the command requires the remote, see ``unavailable``).
public final class RemoteCache: Sendable {
    public let store: any BlobStore
    public let local: ArtifactCache
    /// Whether this command may write to the server.
    public let uploads: Bool
    /// Transfers at once.
    public let width: Int
    let retry: RetryPolicy
    let observer: (any RemoteObserver)?
    let clock: any Clock
    private let fileSystem = PosixFileSystem()

    private struct State {
        var unavailable: RemoteError?
        var uploadsStopped: RemoteError?
        var stats = RemoteStats()
        /// Blob sizes learnt from `HEAD`, for progress totals.
        var sizes: [String: Int64] = [:]
        /// Blobs this command downloaded and verified.
        var verified: Set<String> = []
        /// Download batches under way, and since when one has been (for wall-clock seconds).
        var activeDownloads = 0
        var downloadsSince: UInt64 = 0
    }
    private let state = Mutex(State())

    public init(
        store: any BlobStore, local: ArtifactCache, uploads: Bool, width: Int = 8, retry: RetryPolicy = RetryPolicy(),
        observer: (any RemoteObserver)? = nil, clock: any Clock = SystemClock()
    ) {
        self.store = store
        self.local = local
        self.uploads = uploads
        self.width = max(1, width)
        self.retry = retry
        self.observer = observer
        self.clock = clock
    }

    public var location: String { store.location }

    /// Why the server is no longer used in this command, nil while it is.
    public var unavailable: RemoteError? { state.withLock { $0.unavailable } }

    public var stats: RemoteStats { state.withLock { $0.stats } }

    /// A blob's size as a lookup learnt it, for progress totals.
    func knownSize(of digest: String) -> Int64? { state.withLock { $0.sizes[digest] } }

    /// The blobs this command downloaded, each verified against its digest on arrival: a restore
    /// right after may copy them without hashing them again.
    public var verifiedDownloads: Set<String> { state.withLock { $0.verified } }

    /// Checks that the server answers (a `HEAD` of an entry that does not exist), for commands
    /// that require it.
    public func checkReachable() throws(RemoteError) {
        _ = try retried { () throws(RemoteError) in try store.size(of: .ac, String(repeating: "0", count: 64)) }
    }

    // MARK: Lookup

    /// The remote run-cache entry for `key` when it is complete (every blob present remotely or
    /// locally); nil on a miss, a damaged entry or an unavailable server.
    public func lookup(_ key: String) -> RunCacheEntry? {
        guard unavailable == nil else { return nil }
        do throws(RemoteError) {
            var bytes: [UInt8] = []
            let found = try retried { () throws(RemoteError) -> Bool in
                bytes.removeAll(keepingCapacity: true)
                return try store.get(.ac, key) { chunk in
                    bytes.append(contentsOf: chunk)
                    return bytes.count <= 16 << 20
                }
            }
            guard found else { return miss() }
            guard let entry = RunCacheEntry(bytes: bytes, key: key) else {
                observer?.remoteWarning("the remote run-cache entry ac/\(key.prefix(12)) is damaged; ignoring it")
                return miss()
            }
            guard try missingObjects(of: Array(entry.outputs.values)).isEmpty else { return miss() }
            state.withLock { $0.stats.hits += 1 }
            return entry
        } catch {
            switch error.kind {
            case .unreachable, .server, .denied:
                markUnavailable(error)
            case .corrupt, .full, .other:
                // This entry only (an oversized answer, an unexpected status): a miss.
                observer?.remoteWarning("the remote lookup of ac/\(key.prefix(12)) failed: \(error.message)")
                state.withLock { $0.stats.misses += 1 }
            }
            return nil
        }
    }

    private func miss() -> RunCacheEntry? {
        state.withLock { $0.stats.misses += 1 }
        return nil
    }

    /// Whether the server has a run-cache entry for `key` (it is not checked for completeness).
    public func hasEntry(_ key: String) throws(RemoteError) -> Bool {
        try retried { () throws(RemoteError) in try store.size(of: .ac, key) } != nil
    }

    /// The blobs of `outputs` that neither the local cache nor the server has. Folder
    /// manifests are downloaded (verified) to learn their files.
    public func missingObjects(of outputs: [PathDigest]) throws(RemoteError) -> [String] {
        var wanted: [String] = []
        for output in outputs {
            switch output.kind {
            case .file:
                wanted.append(output.digest)
            case .folder:
                guard let manifest = try folderManifest(output.digest) else { return [output.digest] }
                wanted += manifest.entries.map(\.digest)
            }
        }
        let unique = Array(Set(wanted.filter { !local.hasObject($0) }))
        let missing = Mutex<[String]>([])
        let failure = inParallel(unique.count) { index throws(RemoteError) in
            let digest = unique[index]
            if let size = try self.retried({ () throws(RemoteError) in try self.store.size(of: .cas, digest) }) {
                self.state.withLock { $0.sizes[digest] = size }
            } else {
                missing.withLock { $0.append(digest) }
            }
        }
        if let failure { throw failure }
        return missing.withLock { $0 }.sorted()
    }

    /// A folder's manifest from the local cache, or downloaded into it; nil when the server
    /// lacks it or it lists a path outside the folder.
    private func folderManifest(_ digest: String) throws(RemoteError) -> TreeManifest? {
        if local.manifest(digest) == nil {
            guard try downloadObject(digest, progress: nil) else { return nil }
        }
        guard let manifest = local.manifest(digest), manifest.hasSafePaths else {
            observer?.remoteWarning("the remote folder manifest \(digest.prefix(12)) names a path outside its folder")
            return nil
        }
        return manifest
    }

    // MARK: Download

    /// Downloads every blob `outputs` need that the local cache lacks, verified, up to
    /// ``width`` at a time; returns the bytes downloaded.
    ///
    /// - Throws: ``RemoteError`` when a blob cannot be had intact; nothing partial is left in
    ///   the local cache.
    @discardableResult
    public func download(_ outputs: [PathDigest]) throws(RemoteError) -> Int64 {
        var digests: [String] = []
        for output in outputs {
            switch output.kind {
            case .file:
                digests.append(output.digest)
            case .folder:
                guard let manifest = try folderManifest(output.digest) else {
                    throw RemoteError(.other, "the remote cache lacks the folder manifest \(output.digest.prefix(12))")
                }
                digests += manifest.entries.map(\.digest)
            }
        }
        let unique = Array(Set(digests.filter { !local.hasObject($0) })).sorted()
        guard !unique.isEmpty else { return 0 }
        let total = state.withLock { state in unique.reduce(Int64(0)) { $0 + (state.sizes[$1] ?? 0) } }
        let meter = ProgressMeter(
            direction: .download, totalBytes: total, totalFiles: unique.count, observer: observer, clock: clock)
        let now = clock.monotonicNow()
        state.withLock { state in
            if state.activeDownloads == 0 { state.downloadsSince = now }
            state.activeDownloads += 1
        }
        let failure = inParallel(unique.count) { index throws(RemoteError) in
            guard try self.downloadObject(unique[index], progress: meter) else {
                throw RemoteError(.other, "the remote cache no longer has blob cas/\(unique[index])")
            }
            meter.fileDone()
        }
        meter.finish()
        let end = clock.monotonicNow()
        state.withLock { state in
            state.activeDownloads -= 1
            if state.activeDownloads == 0 {
                state.stats.downloadSeconds += Double(end &- state.downloadsSince) / 1e9
            }
        }
        if let failure { throw failure }
        return meter.bytes
    }

    /// Downloads one blob into the local cache through a verified temporary file; false when
    /// the server does not have it.
    private func downloadObject(_ digest: String, progress: ProgressMeter?) throws(RemoteError) -> Bool {
        if local.hasStoredObject(digest) { return true }
        let target = local.objectPath(digest)
        do throws(LeptonError) {
            try fileSystem.createDirectories(RelativePath.parent(target) ?? local.directory)
        } catch {
            throw RemoteError(.other, error.message)
        }
        return try retried { () throws(RemoteError) -> Bool in
            let temporary = fileSystem.temporaryName(beside: target)
            guard let received = try receive(digest, into: temporary, mode: 0o444, progress: progress) else {
                return false
            }
            do throws(LeptonError) {
                try fileSystem.move(temporary, to: target)
            } catch {
                try? fileSystem.remove(temporary)
                throw RemoteError(.other, error.message)
            }
            state.withLock {
                $0.stats.downloadedFiles += 1
                $0.stats.downloadedBytes += received
                $0.verified.insert(digest)
            }
            return true
        }
    }

    /// Downloads one blob to `path`, a new file (a staging file beside a workspace output), every
    /// byte verified; it does not enter the local cache (the caller records it as held).
    ///
    /// - Throws: ``RemoteError`` when the server lacks it or it cannot be had intact; nothing is
    ///   left at `path` then.
    func fetch(_ digest: String, to path: String, mode: mode_t, progress: ProgressMeter?) throws(RemoteError) {
        let received = try retried { () throws(RemoteError) -> Int64 in
            guard let received = try receive(digest, into: path, mode: mode, progress: progress) else {
                throw RemoteError(.other, "the remote cache no longer has blob cas/\(digest)")
            }
            return received
        }
        state.withLock {
            $0.stats.downloadedFiles += 1
            $0.stats.downloadedBytes += received
        }
    }

    /// One attempt at writing blob `digest` into the new file `path`, hashed as it arrives:
    /// returns the bytes received, nil when the server does not have it. Nothing is left at `path`
    /// unless the content matched.
    private func receive(
        _ digest: String, into path: String, mode: mode_t, progress: ProgressMeter?
    ) throws(RemoteError) -> Int64? {
        let file: FileDescriptor
        do throws(LeptonError) {
            file = try fileSystem.open(path, .createExclusive, permissions: 0o600)
        } catch {
            throw RemoteError(.other, error.message)
        }
        var stream = ContentHash.Stream()
        var received: Int64 = 0
        var writeFailed = false
        let found: Bool
        do throws(RemoteError) {
            found = try store.get(.cas, digest) { chunk in
                stream.update(chunk)
                guard file.writeAll(chunk) else {
                    writeFailed = true
                    return false
                }
                received += Int64(chunk.count)
                progress?.add(Int64(chunk.count))
                return true
            }
        } catch {
            let reason = Errno.current
            file.close()
            try? fileSystem.remove(path)
            progress?.add(-received)
            throw writeFailed ? RemoteError(.other, "cannot write '\(path)': \(reason)") : error
        }
        file.setPermissions(mode)
        file.close()
        guard found else {
            try? fileSystem.remove(path)
            return nil
        }
        let actual = stream.finalize()
        guard actual == digest else {
            try? fileSystem.remove(path)
            progress?.add(-received)
            state.withLock { $0.stats.corruptDownloads += 1 }
            let message =
                "the download of cas/\(digest.prefix(12)) from \(location) is corrupt or truncated (\(received) bytes hashing to \(actual.prefix(12))); discarded"
            observer?.remoteWarning(message)
            throw RemoteError(.corrupt, message)
        }
        return received
    }

    // MARK: Upload

    /// Uploads an entry's blobs that the server lacks, then the entry; returns the bytes sent.
    /// Does nothing when uploads are off or were stopped by an earlier refusal.
    @discardableResult
    public func upload(_ entry: RunCacheEntry) throws(RemoteError) -> Int64 { try upload(entry, progress: nil) }

    /// ``upload(_:)`` counting on `shared`, the progress line of a batch of entries uploaded at
    /// once (`lepton push`), when given; nil gives the entry its own.
    func upload(_ entry: RunCacheEntry, progress shared: ProgressMeter?) throws(RemoteError) -> Int64 {
        guard uploads, unavailable == nil, state.withLock({ $0.uploadsStopped }) == nil else { return 0 }
        let sent = Atomic<Int64>(0)
        do throws(RemoteError) {
            let digests = Array(Set(entry.outputs.values.flatMap(local.objects(of:)))).sorted()
            // A held object is copied into the cache first: the server must get the verified
            // bytes, not a workspace file the user may be editing.
            for digest in digests where !local.hasStoredObject(digest) {
                do throws(LeptonError) {
                    try local.materialize(digest)
                } catch {
                    throw RemoteError(.other, error.message)
                }
            }
            let sizes = digests.map { fileSystem.status(local.objectPath($0))?.size ?? -1 }
            if let index = sizes.firstIndex(of: -1) {
                throw RemoteError(.other, "the local cache lacks object \(digests[index].prefix(12)) to upload")
            }
            let meter =
                shared
                ?? ProgressMeter(
                    direction: .upload, totalBytes: sizes.reduce(0, +), totalFiles: digests.count, observer: observer,
                    clock: clock)
            let failure = inParallel(digests.count) { index throws(RemoteError) in
                let digest = digests[index]
                if try self.retried({ () throws(RemoteError) in try self.store.size(of: .cas, digest) }) == nil {
                    try self.retried { () throws(RemoteError) in
                        try self.store.put(.cas, digest, file: self.local.objectPath(digest), size: sizes[index])
                    }
                    self.state.withLock {
                        $0.stats.uploadedFiles += 1
                        $0.stats.uploadedBytes += sizes[index]
                    }
                    sent.add(sizes[index], ordering: .relaxed)
                }
                meter.add(sizes[index])
                meter.fileDone()
            }
            if shared == nil { meter.finish() }
            if let failure { throw failure }
            try retried { () throws(RemoteError) in try store.put(.ac, entry.key, bytes: entry.bytes) }
            state.withLock { $0.stats.uploadedEntries += 1 }
            return sent.load(ordering: .relaxed)
        } catch {
            switch error.kind {
            case .denied, .full:
                let first = state.withLock { state -> Bool in
                    defer { state.uploadsStopped = state.uploadsStopped ?? error }
                    return state.uploadsStopped == nil
                }
                if first { observer?.remoteWarning("\(error.message); not uploading anything more") }
            case .unreachable, .server:
                markUnavailable(error)
            case .corrupt, .other:
                break
            }
            throw error
        }
    }

    // MARK: Failure handling

    /// Runs `body` for every index in `0..<count`, up to ``width`` at a time; after the first
    /// failure no new item starts. Returns that failure, for the caller to throw once it has
    /// finished its own bookkeeping.
    private func inParallel(
        _ count: Int, _ body: @escaping @Sendable (Int) throws(RemoteError) -> Void
    ) -> RemoteError? {
        let failure = Mutex<RemoteError?>(nil)
        Parallel.forEachItem(count: count, width: width) { index in
            guard failure.withLock({ $0 == nil }) else { return }
            do throws(RemoteError) {
                try body(index)
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        return failure.withLock { $0 }
    }

    private func retried<T>(_ operation: () throws(RemoteError) -> T) throws(RemoteError) -> T {
        try retry.run(operation) { _, _ in state.withLock { $0.stats.retries += 1 } }
    }

    /// Stops using the server for the rest of the command, warning once.
    func markUnavailable(_ error: RemoteError) {
        let first = state.withLock { state -> Bool in
            defer { state.unavailable = state.unavailable ?? error }
            return state.unavailable == nil
        }
        if first {
            observer?.remoteWarning("the remote cache \(location) is not usable: \(error.message); building without it")
        }
    }
}

/// Counts a batch's bytes and files and reports progress at most five times a second.
final class ProgressMeter: Sendable {
    private struct Counts {
        var bytes: Int64 = 0
        var files = 0
        var lastReport: UInt64 = 0
    }
    let direction: TransferProgress.Direction
    let totalBytes: Int64
    let totalFiles: Int
    let observer: (any RemoteObserver)?
    let clock: any Clock
    let started: UInt64
    private let counts: Mutex<Counts>

    init(
        direction: TransferProgress.Direction, totalBytes: Int64, totalFiles: Int, observer: (any RemoteObserver)?,
        clock: any Clock
    ) {
        self.direction = direction
        self.totalBytes = totalBytes
        self.totalFiles = totalFiles
        self.observer = observer
        self.clock = clock
        let now = clock.monotonicNow()
        self.started = now
        // The first report comes after 200 ms: short batches show no progress line at all.
        self.counts = Mutex(Counts(lastReport: now))
    }

    var bytes: Int64 { counts.withLock { $0.bytes } }

    func add(_ count: Int64) { update { $0.bytes += count } }

    func fileDone() { update { $0.files += 1 } }

    func finish() {
        guard let observer else { return }
        let now = clock.monotonicNow()
        observer.transferProgress(progress(counts.withLock { $0 }, now: now, finished: true))
    }

    private func update(_ change: (inout Counts) -> Void) {
        guard let observer else {
            counts.withLock { change(&$0) }
            return
        }
        let now = clock.monotonicNow()
        let report = counts.withLock { counts -> Counts? in
            change(&counts)
            guard now &- counts.lastReport >= 200_000_000 else { return nil }
            counts.lastReport = now
            return counts
        }
        if let report { observer.transferProgress(progress(report, now: now, finished: false)) }
    }

    private func progress(_ counts: Counts, now: UInt64, finished: Bool) -> TransferProgress {
        TransferProgress(
            direction: direction, bytes: counts.bytes, totalBytes: totalBytes, files: counts.files,
            totalFiles: totalFiles, seconds: Double(now &- started) / 1e9, finished: finished)
    }
}
