import LeptonSystem

/// `lepton clean`: removes the outputs recorded in `Lepton.lock` whose content is still what
/// Lepton wrote, never anything else.
///
/// Run it holding the build lock (the lock file is read under it). Each output is checked like
/// a write (``WorkspaceRestorer/checkPath(_:stage:)``: no `..`, no absolute path, nothing under a
/// symlink leaving the package — a lock from elsewhere must not make Lepton delete outside it),
/// then stored in the cache, verifying or replacing the object already there, and only then
/// removed, so `lepton build` restores it in an instant.
public struct OutputCleaner: Sendable {
    public let workspace: Workspace
    let fileSystem: any FileSystem

    public init(workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.fileSystem = fileSystem
    }

    /// What happens to one recorded output.
    public struct Item: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            /// Still what Lepton wrote: removed (or would be).
            case remove
            /// Edited since Lepton wrote it: kept.
            case keepModified
        }
        public var stage: String
        public var path: String
        public var action: Action
    }

    /// The names among `stages` that `Lepton.lock` records nothing for.
    public func unknownStages(_ stages: [String]) -> [String] {
        let lock = (try? fileSystem.read(workspace.lockFile)).flatMap {
            try? LockFile(bytes: $0, path: LockFile.fileName)
        }
        return stages.filter { lock?.stages[$0] == nil }
    }

    /// The recorded outputs of `stages` (all when empty) that exist, and what happens to each.
    ///
    /// - Throws: ``LeptonError/Code/invalidPipeline`` for an unknown stage or a path that leaves
    ///   the package; ``LeptonError`` when the lock is damaged.
    public func plan(stages: [String]) throws(LeptonError) -> [Item] {
        guard let bytes = try? fileSystem.read(workspace.lockFile) else { return [] }
        let lock = try LockFile(bytes: bytes, path: LockFile.fileName)
        let unknown = stages.filter { lock.stages[$0] == nil }
        if !unknown.isEmpty {
            throw LeptonError(
                .invalidPipeline,
                "no outputs recorded for stage(s) \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
        }
        let restorer = WorkspaceRestorer(
            workspace: workspace, cache: ArtifactCache(directory: workspace.cacheDirectory), fileSystem: fileSystem)
        let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
        var items: [Item] = []
        for (stage, record) in lock.stages.sorted(by: { $0.key < $1.key })
        where stages.isEmpty || stages.contains(stage) {
            for (path, recorded) in record.outputs.sorted(by: { $0.key < $1.key }) {
                try restorer.checkPath(path, stage: stage)
                guard let current = try hasher.digest(of: path) else { continue }
                items.append(Item(stage: stage, path: path, action: current == recorded ? .remove : .keepModified))
            }
        }
        return items
    }

    /// Removes the planned outputs, each after making sure the cache holds its bytes.
    ///
    /// - Returns: The items removed.
    /// - Throws: ``LeptonError`` when an output cannot be stored or removed; the outputs before
    ///   it are removed, the rest are untouched.
    @discardableResult
    public func apply(_ items: [Item]) throws(LeptonError) -> [Item] {
        var removed: [Item] = []
        let cache = ArtifactCache(directory: workspace.cacheDirectory, fileSystem: fileSystem)
        let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
        for item in items where item.action == .remove {
            // Hashed again under the lock: what is stored is what is removed.
            guard let digest = try hasher.digest(of: item.path) else { continue }
            let manifest = digest.kind == .folder ? try hasher.manifest(ofFolder: item.path) : nil
            try cache.storeOutput(at: workspace.absolute(item.path), digest: digest, manifest: manifest)
            try fileSystem.remove(workspace.absolute(item.path))
            removed.append(item)
        }
        try? hasher.statCache.save(to: workspace.statCacheFile)
        return removed
    }

    /// `lepton clean`: plans, and unless `dryRun` removes, holding the build lock (a dry run
    /// only reads). Returns every planned item and the items removed.
    public func clean(stages: [String], dryRun: Bool, events: WorkflowEvents = WorkflowEvents()) throws(LeptonError)
        -> (planned: [Item], removed: [Item])
    {
        if dryRun { return (try plan(stages: stages), []) }
        return try WorkspaceLock.holding(workspace, command: "lepton clean", events: events) {
            () throws(LeptonError) -> (planned: [Item], removed: [Item]) in
            let items = try plan(stages: stages)
            return (items, try apply(items))
        }
    }
}
