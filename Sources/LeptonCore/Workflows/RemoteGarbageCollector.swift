import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `lepton remote gc`: removes from the remote cache every run-cache entry and blob that nothing
/// kept references. Kept: what `Lepton.lock` and `Lepton.data` record now and at the given git
/// revisions, what tagged runs and the runs of the last `keepDays` days recorded, and everything
/// the server says was written within `keepDays` (a teammate's pushes this machine never saw)
/// with the blobs those entries need.
///
/// Entries go before blobs, so no entry is left pointing at a removed blob. Only names that are
/// SHA-256 digests are ever listed, so nothing else on the server is touched.
public struct RemoteGarbageCollector: Sendable {
    public let workspace: Workspace
    public let store: any BlobStore
    let fileSystem: any FileSystem

    public init(workspace: Workspace, store: any BlobStore, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.store = store
        self.fileSystem = fileSystem
    }

    /// What was (or would be) removed and kept.
    public struct Report: Sendable, Equatable {
        public var removedEntries: [String] = []
        public var removedObjects: [String] = []
        public var freedBytes: Int64 = 0
        public var keptEntries = 0
        public var keptObjects = 0
        public var keptBytes: Int64 = 0
        /// Kept folders whose file list could not be read (their files may have been removed).
        public var unreadableFolders: [String] = []
    }

    /// Collects.
    ///
    /// - Parameters:
    ///   - revisions: Git revisions whose `Lepton.lock` and `Lepton.data` keep what they reference.
    ///   - keepDays: Runs recorded, and blobs the server wrote, within this many days are kept.
    ///   - dryRun: Lists and counts, removes nothing.
    ///   - now: The time, in seconds since 1970.
    /// - Returns: What was removed and kept.
    /// - Throws: ``LeptonError`` (nothing removed) when a revision or a state file cannot be read,
    ///   or the server cannot list or delete; a failure midway leaves what is left consistent.
    public func collect(revisions: [String], keepDays: Int, dryRun: Bool, now: Int = Int(time(nil)))
        throws(LeptonError) -> Report
    {
        var records: [StageRecord] = []
        if let bytes = try? fileSystem.read(workspace.lockFile) {
            records += try LockFile(bytes: bytes, path: LockFile.fileName).stages.values
        }
        records += try TrackedData.load(workspace, fileSystem: fileSystem).records.map(\.1)
        for revision in revisions {
            guard let lock = try GitRevision.lockFile(revision, root: workspace.root) else {
                throw LeptonError(
                    .usage, "'\(revision)' is not a git revision with a \(LockFile.fileName); nothing was removed")
            }
            records += lock.stages.values
            if let data = GitRevision.show(revision, path: TrackedData.fileName, root: workspace.root) {
                records += try TrackedData.parse(data).records.map(\.1)
            }
        }
        let cutoff = now - keepDays * 86_400
        let history = RunHistory(workspace: workspace)
        for run in history.all().filter({ $0.started > cutoff }) + history.taggedRuns() {
            records += run.stages.values.compactMap(\.record)
        }
        let entries = try listing(.ac)
        let objects = try listing(.cas)
        var report = Report()
        var keptKeys = Set(records.map(\.key))
        var outputs = records.flatMap { $0.outputs.values }
        // Entries the server wrote recently are kept with what they reference.
        for entry in entries where !keptKeys.contains(entry.key) && (entry.modified ?? now) > cutoff {
            keptKeys.insert(entry.key)
            if let bytes = fetch(.ac, entry.key), let parsed = RunCacheEntry(bytes: bytes, key: entry.key) {
                outputs += parsed.outputs.values
            }
        }
        var keep = Set<String>()
        var folders = Set<String>()
        for output in outputs {
            keep.insert(output.digest)
            guard output.kind == .folder, folders.insert(output.digest).inserted else { continue }
            if let manifest = manifest(output.digest) {
                keep.formUnion(manifest.entries.map(\.digest))
            } else {
                report.unreadableFolders.append(output.digest)
            }
        }
        for entry in entries.sorted(by: { $0.key < $1.key }) {
            if keptKeys.contains(entry.key) {
                report.keptEntries += 1
                continue
            }
            if !dryRun { try remove(.ac, entry.key) }
            report.removedEntries.append(entry.key)
        }
        for object in objects.sorted(by: { $0.key < $1.key }) {
            if keep.contains(object.key) || (object.modified ?? now) > cutoff {
                report.keptObjects += 1
                report.keptBytes += object.size
                continue
            }
            if !dryRun { try remove(.cas, object.key) }
            report.removedObjects.append(object.key)
            report.freedBytes += object.size
        }
        return report
    }

    private func listing(_ namespace: BlobNamespace) throws(LeptonError) -> [RemoteBlob] {
        do throws(RemoteError) {
            return try store.list(namespace)
        } catch {
            throw LeptonError(.usage, "\(error.message); nothing was removed")
        }
    }

    private func remove(_ namespace: BlobNamespace, _ key: String) throws(LeptonError) {
        do throws(RemoteError) {
            try store.delete(namespace, key)
        } catch {
            throw LeptonError(.usage, "removing \(namespace.rawValue)/\(key.prefix(12)) failed: \(error.message)")
        }
    }

    private func fetch(_ namespace: BlobNamespace, _ key: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        let found = try? store.get(namespace, key) { chunk in
            bytes.append(contentsOf: chunk)
            return bytes.count <= 64 << 20
        }
        return found == true ? bytes : nil
    }

    /// A folder's manifest from the local cache, else the server (verified either way).
    private func manifest(_ digest: String) -> TreeManifest? {
        if let local = ArtifactCache(directory: workspace.cacheDirectory, fileSystem: fileSystem).manifest(digest) {
            return local
        }
        guard let bytes = fetch(.cas, digest), ContentHash.of(bytes) == digest,
            let manifest = TreeManifest(text: String(decoding: bytes, as: UTF8.self))
        else { return nil }
        return manifest
    }
}
