import LeptonSystem

/// Objects held in the workspace (see ``HeldObject``): recorded after a remote download was
/// renamed into its output path, taken into `objects/` by rename before Lepton replaces or removes
/// that file, and copied there (verified) for a reader that needs the cache's own copy.
extension ArtifactCache {
    func heldRecordPath(_ digest: String) -> String { shardedPath("held", digest) }

    /// Records that the file at `absolute`, verified against `digest` and just renamed into place,
    /// is the only copy of that object.
    ///
    /// - Parameters:
    ///   - digest: The object the file holds.
    ///   - absolute: The workspace file.
    ///   - recordedAt: The file clock read before this call (``Clock/fileTimeNow()``).
    /// - Throws: ``LeptonError`` when the file is gone or the record cannot be written.
    public func hold(_ digest: String, at absolute: String, recordedAt: Int64) throws(LeptonError) {
        guard let status = fileSystem.status(absolute), status.kind == .file else {
            throw LeptonError(.io, "internal: '\(absolute)' vanished right after it was restored")
        }
        let path = heldRecordPath(digest)
        try fileSystem.createDirectories(RelativePath.parent(path) ?? directory)
        let record = HeldObject(path: absolute, status: status, recordedAt: recordedAt)
        try fileSystem.writeAtomically(record.bytes, to: path, mode: 0o644, durable: false)
    }

    /// The workspace file that holds `digest`, while it is exactly the file recorded; nil
    /// otherwise. A racy record (taken within the file clock's tick of the file's last change, as
    /// one taken right after the rename is) is believed only after hashing the file, and is then
    /// taken again so the next look is a `stat`.
    public func heldFile(_ digest: String) -> String? {
        guard let bytes = try? fileSystem.read(heldRecordPath(digest)), let record = HeldObject(bytes: bytes),
            let status = fileSystem.status(record.path), record.matches(status)
        else { return nil }
        guard record.isRacy else { return record.path }
        let now = SystemClock().fileTimeNow()
        guard let actual = try? ContentHash.ofFile(record.path), actual == digest,
            let after = fileSystem.status(record.path), record.matches(after)
        else { return nil }
        let refreshed = HeldObject(path: record.path, status: after, recordedAt: now)
        if !refreshed.isRacy {
            try? fileSystem.writeAtomically(refreshed.bytes, to: heldRecordPath(digest), mode: 0o644, durable: false)
        }
        return record.path
    }

    /// Moves the held file at `absolute` into `objects/` (renamed, read-only) when it is the held
    /// copy of `digest`: Lepton calls this before it replaces or removes an output, so the object
    /// stays in the local cache at no cost. False when it is not held there, or the rename fails
    /// (the cache on another file system): the caller then copies it or lets it go.
    @discardableResult
    public func takeOver(_ absolute: String, digest: String) -> Bool {
        guard !hasStoredObject(digest), heldFile(digest) == absolute else { return false }
        let target = objectPath(digest)
        do throws(LeptonError) {
            try fileSystem.createDirectories(RelativePath.parent(target) ?? directory)
            try fileSystem.move(absolute, to: target)
        } catch {
            return false
        }
        fileSystem.setMode(target, 0o444)
        removeHeld(digest)
        return true
    }

    /// Copies a held object into `objects/`, verified while copied, for readers that must not read
    /// a file the user may change under them (uploads). True when the object is stored after it.
    ///
    /// - Throws: ``LeptonError/Code/io`` when the file changed while being copied.
    @discardableResult
    public func materialize(_ digest: String) throws(LeptonError) -> Bool {
        if hasStoredObject(digest) { return true }
        guard let file = heldFile(digest) else { return false }
        try storeFile(file, digest: digest)
        removeHeld(digest)
        return true
    }

    /// Every digest with a held record, valid or not.
    public func allHeld() -> [String] {
        var digests: [String] = []
        let root = directory + "/held"
        for shard in (try? fileSystem.list(root)) ?? [] where shard.kind == .directory {
            for file in (try? fileSystem.list(root + "/" + shard.name)) ?? []
            where file.kind == .file && !file.name.hasPrefix(".") {
                digests.append(shard.name + file.name)
            }
        }
        return digests
    }

    /// Removes a held record (never the workspace file).
    public func removeHeld(_ digest: String) { try? fileSystem.remove(heldRecordPath(digest)) }
}
