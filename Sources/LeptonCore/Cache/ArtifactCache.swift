import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The local content-addressed cache under `.lepton/cache`.
///
/// - `objects/<2 hex>/<62 hex>`: file contents and folder manifests by SHA-256, read-only.
/// - `runs.log`: run-cache entries, the outputs of a successful run by the stage key that
///   produced them, a line each (see ``RunLog``); caches written before it hold them as
///   `runs/<2 hex>/<62 hex>.json` files, still read.
/// - `held/<2 hex>/<62 hex>`: objects whose only copy is a workspace file a remote download was
///   written to (see ``HeldObject``); they count as present while that file is unchanged.
///
/// Objects and entries are written to a temporary name and renamed into place, so a crash
/// never leaves a torn object. Restores verify every byte against its digest while copying:
/// a damaged object is reported and never lands in the workspace.
public struct ArtifactCache: Sendable {
    public typealias RunEntry = RunCacheEntry

    public let directory: String
    let fileSystem: any FileSystem
    private let runLog: RunLog
    /// Whether an older cache's `runs/` folder is there, looked at once: without one, a key the
    /// log lacks is absent, with no entry file to probe for.
    private let legacyRuns: LegacyRunsFolder

    public init(directory: String, fileSystem: any FileSystem = PosixFileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
        runLog = RunLog(path: directory + "/runs.log", fileSystem: fileSystem)
        legacyRuns = LegacyRunsFolder(path: directory + "/runs", fileSystem: fileSystem)
    }

    // MARK: Objects

    public func objectPath(_ digest: String) -> String { shardedPath("objects", digest) }

    /// `<folder>/<first 2 hex>/<the rest>` under the cache, as Git shards its objects.
    func shardedPath(_ folder: String, _ name: String) -> String {
        let utf8 = Array(name.utf8)
        let prefix = String(decoding: utf8.prefix(2), as: UTF8.self)
        let rest = String(decoding: utf8.dropFirst(2), as: UTF8.self)
        return "\(directory)/\(folder)/\(prefix)/\(rest)"
    }

    /// Whether the object for `digest` is in `objects/` or held in the workspace.
    public func hasObject(_ digest: String) -> Bool { hasStoredObject(digest) || heldFile(digest) != nil }

    /// Whether the object for `digest` is in `objects/` (not checked against its name).
    public func hasStoredObject(_ digest: String) -> Bool { fileSystem.status(objectPath(digest))?.kind == .file }

    /// Where the bytes of `digest` can be read: its file in `objects/`, else the workspace file
    /// that holds it (`held`); nil when the cache has neither.
    func objectFile(_ digest: String) -> (path: String, held: Bool)? {
        if hasStoredObject(digest) { return (objectPath(digest), false) }
        return heldFile(digest).map { ($0, true) }
    }

    /// Whether the object for `digest` is present and hashes to its name. An object whose name
    /// exists but whose content does not match (torn by a power cut: objects are not flushed to
    /// disk) is removed, so it is stored again.
    public func hasIntactObject(_ digest: String) -> Bool {
        guard hasStoredObject(digest) else { return false }
        let path = objectPath(digest)
        guard let actual = try? ContentHash.ofFile(path), actual == digest else {
            try? fileSystem.remove(path)
            return false
        }
        return true
    }

    /// Stores bytes (a manifest or link target) under their digest.
    @discardableResult
    public func storeBytes(_ bytes: [UInt8]) throws(LeptonError) -> String {
        let digest = ContentHash.of(bytes)
        if hasIntactObject(digest) { return digest }
        let path = objectPath(digest)
        try fileSystem.createDirectories(RelativePath.parent(path) ?? directory)
        try fileSystem.writeAtomically(bytes, to: path, mode: 0o444, durable: false)
        return digest
    }

    /// Copies a file into the cache, verifying that its content still has `digest`. An object
    /// already there is checked first and replaced when damaged: callers remove the workspace
    /// copy next, so the cache must really hold the bytes.
    ///
    /// - Throws: ``LeptonError/Code/io`` when the file changed while being stored.
    public func storeFile(_ source: String, digest: String) throws(LeptonError) {
        if hasIntactObject(digest) { return }
        let path = objectPath(digest)
        func store() throws(LeptonError) {
            try copyVerified(from: source, to: path, expected: digest, mode: 0o444) { actual in
                LeptonError(
                    .io,
                    "'\(source)' changed while Lepton stored it in the cache (\(actual.prefix(12)) instead of \(digest.prefix(12))); run the build again"
                )
            }
        }
        // The object's folder is made only when the copy finds it missing: most exist already,
        // and looking first was a `stat` per stored object.
        do throws(LeptonError) {
            try store()
        } catch {
            guard error.errno == .noEntry, let parent = RelativePath.parent(path), !fileSystem.isDirectory(parent)
            else { throw error }
            try fileSystem.createDirectories(parent)
            try store()
        }
    }

    /// Stores an output (file or folder) that was just hashed.
    public func storeOutput(at absolute: String, digest: PathDigest, manifest: TreeManifest?) throws(LeptonError) {
        switch digest.kind {
        case .file:
            try storeFile(absolute, digest: digest.digest)
        case .folder:
            guard let manifest else {
                throw LeptonError(.io, "internal: folder '\(absolute)' stored without a manifest")
            }
            for entry in manifest.entries {
                let child = RelativePath.join(absolute, entry.path)
                if entry.kind == .symlink {
                    try storeBytes(Array((fileSystem.readLink(child) ?? "").utf8))
                } else {
                    try storeFile(child, digest: entry.digest)
                }
            }
            try storeBytes(Array(manifest.text.utf8))
        }
    }

    /// The bytes of the object for `digest` (stored or held), nil when it is missing or does not
    /// hash to its name.
    public func verifiedBytes(_ digest: String) -> [UInt8]? {
        guard let path = objectFile(digest)?.path, let bytes = try? fileSystem.read(path),
            ContentHash.of(bytes) == digest
        else { return nil }
        return bytes
    }

    /// The manifest of a cached folder, nil when missing, damaged or unsafe (a path that
    /// leaves the folder, or a file under another entry, see ``TreeManifest/hasSafePaths``).
    public func manifest(_ digest: String) -> TreeManifest? {
        guard let bytes = verifiedBytes(digest),
            let manifest = TreeManifest(text: String(decoding: bytes, as: UTF8.self)), manifest.hasSafePaths
        else { return nil }
        return manifest
    }

    /// Whether every object an output needs is in the cache.
    public func contains(_ digest: PathDigest) -> Bool {
        switch digest.kind {
        case .file: return hasObject(digest.digest)
        case .folder:
            guard let manifest = manifest(digest.digest) else { return false }
            return manifest.entries.allSatisfy { hasObject($0.digest) }
        }
    }

    /// Every object digest an output references (the manifest and its files for a folder).
    public func objects(of digest: PathDigest) -> [String] {
        switch digest.kind {
        case .file: return [digest.digest]
        case .folder: return [digest.digest] + (manifest(digest.digest)?.entries.map(\.digest) ?? [])
        }
    }

    /// Every object digest the outputs reference.
    public func objects(of digests: some Sequence<PathDigest>) -> [String] { digests.flatMap { objects(of: $0) } }

    // MARK: Restore

    /// Restores an output into the workspace from the cache, replacing what is there.
    ///
    /// The new content is assembled beside the target and renamed over it, so a failure leaves
    /// the old content in place.
    ///
    /// - Parameters:
    ///   - digest: The output's digest.
    ///   - absolute: Where it goes.
    ///   - trusted: Objects verified moments ago (downloads from a remote cache), copied in the
    ///     kernel without hashing them again; every other object is verified while copied.
    /// - Throws: ``LeptonError/Code/cacheMiss`` when an object is missing or damaged.
    public func restore(_ digest: PathDigest, to absolute: String, trusted: Set<String> = []) throws(LeptonError) {
        let staging = try stage(digest, beside: absolute, trusted: trusted)
        try commit(staging, digest, to: absolute)
    }

    /// Assembles an output from the cache in a temporary path beside `absolute` (first half of
    /// ``restore(_:to:trusted:)``); returns that path. Nothing at `absolute` changes.
    ///
    /// A file output is written by `source` (a remote download, verified as it arrives) when one
    /// is given, which the caller does for an object the cache lacks; it records the file as held
    /// once committed.
    public func stage(
        _ digest: PathDigest, beside absolute: String, trusted: Set<String> = [], source: (any ObjectSource)? = nil
    ) throws(LeptonError) -> String {
        try fileSystem.createDirectories(RelativePath.parent(absolute) ?? "/")
        let staging = fileSystem.temporaryName(beside: absolute)
        do throws(LeptonError) {
            switch digest.kind {
            case .file:
                let mode = digest.mode.map { mode_t($0) } ?? (digest.executable ? 0o755 : 0o644)
                if let source {
                    try source.fetch(digest.digest, to: staging, mode: mode)
                } else {
                    try restoreFile(digest.digest, mode: mode, to: staging, trusted: trusted)
                }
            case .folder:
                guard let manifest = manifest(digest.digest) else {
                    throw LeptonError(
                        .cacheMiss,
                        "the cache has no intact, safe manifest \(digest.digest.prefix(12)) for '\(absolute)'")
                }
                try fileSystem.createDirectories(staging)
                for entry in manifest.entries {
                    let target = RelativePath.join(staging, entry.path)
                    try fileSystem.createDirectories(RelativePath.parent(target) ?? staging)
                    if entry.kind == .symlink {
                        guard let bytes = verifiedBytes(entry.digest) else {
                            throw LeptonError(.cacheMiss, "the cache lacks the link target of '\(entry.path)'")
                        }
                        try fileSystem.symlink(String(decoding: bytes, as: UTF8.self), at: target)
                    } else {
                        let mode: mode_t = entry.kind == .executable ? 0o777 : 0o666
                        try restoreFile(entry.digest, mode: mode & ~ArtifactCache.umask, to: target, trusted: trusted)
                    }
                }
            }
        } catch {
            try? fileSystem.remove(staging)
            throw error
        }
        return staging
    }

    /// Renames an output assembled by ``stage(_:beside:trusted:)`` over `absolute`; the staged
    /// copy is removed if that fails.
    public func commit(_ staging: String, _ digest: PathDigest, to absolute: String) throws(LeptonError) {
        do throws(LeptonError) {
            if let existing = fileSystem.status(absolute), existing.kind == .directory || digest.kind == .folder {
                try fileSystem.remove(absolute)
            }
            try fileSystem.move(staging, to: absolute)
        } catch {
            try? fileSystem.remove(staging)
            throw error
        }
    }

    /// The process's umask, which restored files inside folders follow.
    static let umask: mode_t = {
        let current = Glibc.umask(0o022)
        Glibc.umask(current)
        return current
    }()

    private func restoreFile(
        _ digest: String, mode: mode_t, to target: String, trusted: Set<String>
    ) throws(LeptonError) {
        guard let (source, held) = objectFile(digest) else {
            throw LeptonError(.cacheMiss, "the cache has no object \(digest.prefix(12)) (needed for '\(target)')")
        }
        if trusted.contains(digest) && !held {
            try copyInKernel(from: source, to: target, mode: mode)
            return
        }
        do throws(LeptonError) {
            try copyVerified(from: source, to: target, expected: digest, mode: mode) { actual in
                LeptonError(
                    .cacheMiss,
                    "the cache object \(digest.prefix(12)) is damaged (its content hashes to \(actual.prefix(12))); it was removed from the cache and not restored"
                )
            }
        } catch {
            // A damaged object is never trusted again: removed, it is stored anew by the next
            // run (or downloaded again). A held file is the user's: only its record goes.
            if error.code == .cacheMiss { held ? removeHeld(digest) : removeObject(digest) }
            throw error
        }
    }

    /// Copies `source` to a temporary file beside `target`, hashing as it goes, and renames it
    /// into place only when the digest matches.
    func copyVerified(
        from source: String, to target: String, expected: String, mode: mode_t,
        mismatch: (String) -> LeptonError
    ) throws(LeptonError) {
        try copy(from: source, to: target, mode: mode, expected: expected, mismatch: mismatch)
    }

    /// Copies a file with `copy_file_range` (no user-space buffer; a reflink where the file
    /// system shares blocks), falling back to read/write, through a temporary file.
    private func copyInKernel(from source: String, to target: String, mode: mode_t) throws(LeptonError) {
        try copy(from: source, to: target, mode: mode, expected: nil) { _ in
            LeptonError(.io, "internal: an unverified copy of '\(source)' was checked")
        }
    }

    /// Copies `source` through a temporary file beside `target`, renamed into place at the end:
    /// hashing every byte and refusing a mismatch (`mismatch(actual)`) when `expected` is given,
    /// otherwise in the kernel where it can.
    private func copy(
        from source: String, to target: String, mode: mode_t, expected: String?,
        mismatch: (String) -> LeptonError
    ) throws(LeptonError) {
        let temporary = fileSystem.temporaryName(beside: target)
        let input: FileDescriptor
        let output: FileDescriptor
        do throws(LeptonError) {
            input = try fileSystem.open(source, .read)
        } catch {
            throw LeptonError.io("cannot read '\(source)'", error.errno ?? .current)
        }
        do throws(LeptonError) {
            output = try fileSystem.open(temporary, .createExclusive, permissions: 0o600)
        } catch {
            throw LeptonError.io("cannot write '\(temporary)'", error.errno ?? .current)
        }
        var stream = ContentHash.Stream()
        var failure: Errno?
        switch expected == nil ? output.copyInKernel(from: input) : .unsupported {
        case .done: break
        case .failed: failure = .current
        case .unsupported:
            // Read and write (hashing every byte when a digest is expected), from where the
            // kernel left off.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            while failure == nil {
                let count: Int
                do throws(LeptonError) {
                    count = try input.read(into: buffer)
                } catch {
                    failure = error.errno ?? .current
                    break
                }
                if count == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                if expected != nil { stream.update(chunk) }
                if !output.writeAll(chunk) { failure = .current }
            }
        }
        output.setPermissions(mode)
        output.close()
        if let failure {
            try? fileSystem.remove(temporary)
            throw LeptonError.io("cannot copy '\(source)' to '\(target)'", failure)
        }
        if let expected {
            let actual = stream.finalize()
            guard actual == expected else {
                try? fileSystem.remove(temporary)
                throw mismatch(actual)
            }
        }
        do throws(LeptonError) {
            try fileSystem.move(temporary, to: target)
        } catch {
            try? fileSystem.remove(temporary)
            throw LeptonError.io("cannot write '\(target)'", error.errno ?? .current)
        }
    }

    // MARK: Run cache

    /// A run-cache entry file of a cache written before the log (`runs/<2 hex>/<62 hex>.json`).
    func runEntryPath(_ key: String) -> String { shardedPath("runs", key) + ".json" }

    /// What the cache holds for a key: the log's latest line for it, else an entry file of an
    /// older cache; one look answers both "is there an entry" and "is it intact".
    func runEntryLookup(for key: String) -> RunLog.Lookup {
        let logged = runLog.lookup(key)
        guard logged == .absent, legacyRuns.exists else { return logged }
        guard let bytes = try? fileSystem.read(runEntryPath(key)) else {
            return fileSystem.status(runEntryPath(key)) == nil ? .absent : .damaged
        }
        return RunEntry(bytes: bytes, key: key).map { .found($0) } ?? .damaged
    }

    /// The run-cache entry for a key, if present and intact.
    public func runEntry(for key: String) -> RunEntry? {
        if case .found(let entry) = runEntryLookup(for: key) { return entry }
        return nil
    }

    /// Whether the cache has a run-cache entry for the key, intact or not.
    public func hasRunEntryFile(for key: String) -> Bool { runEntryLookup(for: key) != .absent }

    /// Records a successful run (a line appended to the log). Its objects must already be stored.
    public func writeRunEntry(_ entry: RunEntry) throws(LeptonError) { try runLog.append(entry) }

    /// Every run-cache entry; a damaged one with only its key.
    public func allRunEntries() -> [RunEntry] {
        let (logged, damaged) = runLog.all()
        var entries: [String: RunEntry] = [:]
        let runs = directory + "/runs"
        for shard in (try? fileSystem.list(runs)) ?? [] where shard.kind == .directory {
            for file in (try? fileSystem.list(runs + "/" + shard.name)) ?? [] where file.name.hasSuffix(".json") {
                let key = shard.name + file.name.dropLast(5)
                let bytes = try? fileSystem.read(runEntryPath(key))
                entries[key] =
                    bytes.flatMap { RunEntry(bytes: $0, key: key) }
                    ?? RunEntry(key: key, stage: "", outputs: [:], created: 0)
            }
        }
        for key in damaged { entries[key] = RunEntry(key: key, stage: "", outputs: [:], created: 0) }
        for entry in logged { entries[entry.key] = entry }
        return entries.keys.sorted().compactMap { entries[$0] }
    }

    /// Removes run-cache entries: their lines from the log (rewritten once) and any older entry
    /// files.
    public func removeRunEntries(_ keys: Set<String>) throws(LeptonError) {
        guard !keys.isEmpty else { return }
        for key in keys { try? fileSystem.remove(runEntryPath(key)) }
        try runLog.remove(keys)
    }

    /// Every object digest with its size in bytes.
    public func allObjects() -> [(digest: String, size: Int64)] {
        var objects: [(digest: String, size: Int64)] = []
        let root = directory + "/objects"
        for shard in (try? fileSystem.list(root)) ?? [] where shard.kind == .directory {
            for file in (try? fileSystem.list(root + "/" + shard.name)) ?? [] where file.kind == .file {
                if file.name.hasPrefix(".") {
                    continue
                }
                let size = fileSystem.status(root + "/" + shard.name + "/" + file.name)?.size ?? 0
                objects.append((shard.name + file.name, size))
            }
        }
        return objects
    }

    /// Removes an object.
    public func removeObject(_ digest: String) { try? fileSystem.remove(objectPath(digest)) }
}

/// Whether the `runs/` folder of a cache written before the run log exists; looked at on first
/// use (no Lepton since writes one).
private final class LegacyRunsFolder: Sendable {
    private let path: String
    private let fileSystem: any FileSystem
    private let found = Mutex<Bool?>(nil)

    init(path: String, fileSystem: any FileSystem) {
        self.path = path
        self.fileSystem = fileSystem
    }

    var exists: Bool {
        found.withLock { known in
            if let known { return known }
            let now = fileSystem.status(path) != nil
            known = now
            return now
        }
    }
}
