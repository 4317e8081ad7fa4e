import LeptonSystem

/// `lepton add` and the data part of `lepton status`: records raw data in ``TrackedData``, its
/// bytes in the cache, and says when the workspace copy no longer matches what is recorded.
public struct DataTracker: Sendable {
    public let workspace: Workspace
    public let events: WorkflowEvents
    let fileSystem: any FileSystem

    public init(
        workspace: Workspace, events: WorkflowEvents = WorkflowEvents(), fileSystem: any FileSystem = PosixFileSystem()
    ) {
        self.workspace = workspace
        self.events = events
        self.fileSystem = fileSystem
    }

    /// What `add` did with one path.
    public struct Added: Sendable, Equatable {
        public var path: String
        public var entry: TrackedData.Entry
        /// False when `Lepton.data` already recorded exactly this content.
        public var changed: Bool
    }

    /// How a tracked path's workspace copy compares with its record.
    public enum State: String, Sendable, Equatable {
        case unchanged
        /// It differs: `lepton add` records the new content, `lepton pull` (or checkout)
        /// brings back the recorded one.
        case modified
        case missing
        /// Declared in the Leptonfile (`Pipeline(data:)`) but not in `Lepton.data` yet.
        case unrecorded
    }

    /// Hashes each path, stores its bytes in the cache, records it in `Lepton.data` and lists it
    /// in `.gitignore`, holding the build lock. Nothing is recorded unless every path is valid.
    ///
    /// - Parameters:
    ///   - paths: Files or folders relative to the package root.
    ///   - producer: The stage that writes a path, if any (its outputs are cached already).
    /// - Returns: What was recorded for each path, in the order given.
    /// - Throws: ``LeptonError`` naming the path: outside the package, missing, Lepton's own,
    ///   or a stage's output.
    public func add(_ paths: [String], producer: (String) -> String?) throws(LeptonError) -> [Added] {
        var normalized: [String] = []
        for path in paths {
            let relative =
                path.hasPrefix(workspace.root + "/") ? String(path.dropFirst(workspace.root.count + 1)) : path
            guard let clean = RelativePath.normalize(relative), !clean.isEmpty, clean != "." else {
                throw LeptonError(
                    .usage, "'\(path)' is not inside the package; add files or folders under \(workspace.root)")
            }
            let own = [
                "Leptonfile", LockFile.fileName, TrackedData.fileName, "Lepton.config", ".lepton", ".git", ".gitignore",
            ]
            if own.contains(where: { clean == $0 || RelativePath.isWithin(clean, $0) }) {
                throw LeptonError(.usage, "'\(clean)' is Lepton's or git's own; add data files or folders")
            }
            if let stage = producer(clean) {
                throw LeptonError(
                    .usage,
                    "'\(clean)' is written by stage '\(stage)', whose outputs Lepton caches already; add only data no stage produces"
                )
            }
            guard fileSystem.statusFollowingLinks(workspace.absolute(clean)) != nil else {
                throw LeptonError(.usage, "'\(clean)' does not exist")
            }
            normalized.append(clean)
        }
        try workspace.prepare()
        return try WorkspaceLock.holding(workspace, command: "lepton add", events: events) {
            () throws(LeptonError) -> [Added] in
            var tracked = try TrackedData.load(workspace, fileSystem: fileSystem)
            let statCache = StatCache.load(from: workspace.statCacheFile)
            let hasher = ContentHasher(root: workspace.root, statCache: statCache, fileSystem: fileSystem)
            let cache = ArtifactCache(directory: workspace.cacheDirectory)
            var added: [Added] = []
            for path in normalized {
                guard let digest = try hasher.digest(of: path) else {
                    throw LeptonError(.usage, "'\(path)' disappeared while it was added")
                }
                var size: Int64 = 0
                var files = 1
                var manifest: TreeManifest?
                if digest.kind == .folder {
                    let tree = try hasher.manifest(ofFolder: path)
                    manifest = tree
                    files = tree.entries.count
                    for entry in tree.entries {
                        size += fileSystem.status(workspace.absolute(path + "/" + entry.path))?.size ?? 0
                    }
                } else {
                    size = fileSystem.statusFollowingLinks(workspace.absolute(path))?.size ?? 0
                }
                try cache.storeOutput(at: workspace.absolute(path), digest: digest, manifest: manifest)
                let entry = TrackedData.Entry(digest: digest, size: size, files: files)
                added.append(Added(path: path, entry: entry, changed: tracked.entries[path] != entry))
                tracked.entries[path] = entry
            }
            try tracked.save(workspace, fileSystem: fileSystem)
            try ignore(normalized)
            if statCache.isDirty { try? statCache.saveUpdates(to: workspace.statCacheFile) }
            return added
        }
    }

    /// Records the data the Leptonfile declares (`Pipeline(data:)`) whose workspace copy is new or
    /// changed, as `lepton add` would; a declared path missing from the workspace but recorded is
    /// left for `lepton pull`.
    ///
    /// - Returns: What was recorded (nothing when all is as `Lepton.data` says).
    /// - Throws: ``LeptonError`` for a declared path that is neither in the workspace nor recorded,
    ///   and as ``add(_:producer:)``.
    public func addDeclared(_ paths: [String], producer: (String) -> String?) throws(LeptonError) -> [Added] {
        let tracked = try TrackedData.load(workspace, fileSystem: fileSystem)
        let states = Dictionary(uniqueKeysWithValues: status(tracked).map { ($0.path, $0.state) })
        var needed: [String] = []
        for path in paths {
            let exists = fileSystem.statusFollowingLinks(workspace.absolute(path)) != nil
            switch (states[path], exists) {
            case (nil, false):
                throw LeptonError(
                    .invalidPipeline,
                    "tracked data '\(path)' (Pipeline(data:)) does not exist and \(TrackedData.fileName) does not record it; create it, or remove it from data:"
                )
            case (nil, true), (.modified?, true): needed.append(path)
            default: break
            }
        }
        return needed.isEmpty ? [] : try add(needed, producer: producer)
    }

    /// Each tracked path's state, in path order; hashes only what the stat cache cannot vouch for.
    public func status(_ tracked: TrackedData) -> [(path: String, state: State)] {
        guard !tracked.entries.isEmpty else { return [] }  // no stat cache to read
        let hasher = ContentHasher(
            root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile), fileSystem: fileSystem)
        return tracked.entries.sorted { $0.key < $1.key }.map { path, entry in
            guard let current = try? hasher.digest(of: path) else { return (path, .missing) }
            return (
                path,
                current.digest == entry.digest.digest && current.kind == entry.digest.kind ? .unchanged : .modified
            )
        }
    }

    /// Lists the paths in the package's `.gitignore` (`/data/raw.csv`), once each: git keeps the
    /// pointer, the cache and the remote keep the bytes.
    private func ignore(_ paths: [String]) throws(LeptonError) {
        let path = workspace.absolute(".gitignore")
        let existing = (try? fileSystem.readText(path)) ?? ""
        let lines = Set(existing.split(separator: "\n").map(String.init))
        let missing = paths.map { "/" + $0 }.filter { !lines.contains($0) }
        guard !missing.isEmpty else { return }
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += missing.joined(separator: "\n") + "\n"
        try fileSystem.writeAtomically(Array(text.utf8), to: path, durable: true)
    }
}
