import LeptonSystem

/// Puts recorded outputs into the workspace from the local cache (`lepton checkout`, `lepton
/// pull`), all or nothing as far as the file system allows.
///
/// Run it holding the build lock. In order: every output whose content differs is planned;
/// every path, manifest and object is checked (``WorkspaceRestorer/check(_:stage:)``); content
/// the cache does not hold yet (an output edited by hand) is stored, so nothing is lost; every
/// output is assembled beside its target, each object hashed while it is copied (a damaged one
/// is refused and removed, and every staged copy discarded); only then are they renamed into
/// place, one after another. A problem before the first rename changes nothing.
public struct OutputCheckout: Sendable {
    public let workspace: Workspace
    public let cache: ArtifactCache
    let fileSystem: any FileSystem

    public init(workspace: Workspace, cache: ArtifactCache, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.cache = cache
        self.fileSystem = fileSystem
    }

    /// One output that changes (or would).
    public struct Change: Sendable, Equatable {
        public var stage: String
        public var path: String
        /// What the workspace held before, kept in the cache; nil when absent.
        public var previous: PathDigest?
    }

    /// The outputs whose workspace content differs from the records.
    public func plan(_ stages: [String: StageRecord]) throws(LeptonError) -> (changes: [Change], unchanged: [String]) {
        let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
        let restorer = WorkspaceRestorer(workspace: workspace, cache: cache, fileSystem: fileSystem)
        var changes: [Change] = []
        var unchanged: [String] = []
        for (name, record) in stages.sorted(by: { $0.key < $1.key }) {
            for (path, digest) in record.outputs.sorted(by: { $0.key < $1.key }) {
                try restorer.checkPath(path, stage: name)
                let current = try hasher.digest(of: path)
                if current == digest {
                    unchanged.append(path)
                } else {
                    changes.append(Change(stage: name, path: path, previous: current))
                }
            }
        }
        return (changes, unchanged)
    }

    /// Checks, stores what would be lost, stages and commits the planned changes.
    ///
    /// - Throws: ``LeptonError``; when thrown before the first rename (every check, store and
    ///   staging), the workspace is unchanged.
    public func apply(_ changes: [Change], records stages: [String: StageRecord]) throws(LeptonError) {
        let restorer = WorkspaceRestorer(workspace: workspace, cache: cache, fileSystem: fileSystem)
        var wanted: [(Change, PathDigest)] = []
        for change in changes {
            guard let digest = stages[change.stage]?.outputs[change.path] else { continue }
            wanted.append((change, digest))
        }
        for (change, digest) in wanted {
            try restorer.check([change.path: digest], stage: change.stage)
        }
        let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
        for (change, _) in wanted {
            guard let previous = change.previous else { continue }
            let manifest = previous.kind == .folder ? try hasher.manifest(ofFolder: change.path) : nil
            try cache.storeOutput(at: workspace.absolute(change.path), digest: previous, manifest: manifest)
        }
        var staged: [(String, PathDigest, String)] = []
        do throws(LeptonError) {
            for (change, digest) in wanted {
                let absolute = workspace.absolute(change.path)
                staged.append((try cache.stage(digest, beside: absolute), digest, absolute))
            }
        } catch {
            for (staging, _, _) in staged { try? fileSystem.remove(staging) }
            throw error
        }
        for (index, (staging, digest, absolute)) in staged.enumerated() {
            do throws(LeptonError) {
                try cache.commit(staging, digest, to: absolute)
            } catch {
                for (rest, _, _) in staged[(index + 1)...] { try? fileSystem.remove(rest) }
                throw error
            }
        }
    }

    /// Records the stages in Lepton.lock (and drops the no-op snapshot, which no longer holds).
    public func recordInLock(_ stages: [String: StageRecord]) throws(LeptonError) {
        var lock =
            (try? fileSystem.read(workspace.lockFile)).flatMap { try? LockFile(bytes: $0, path: LockFile.fileName) }
            ?? LockFile()
        for (name, record) in stages { lock.stages[name] = record }
        try fileSystem.writeAtomically(lock.bytes, to: workspace.lockFile)
        try? fileSystem.remove(workspace.noOpSnapshotFile)
    }
}
