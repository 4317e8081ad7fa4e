import LeptonSystem
import Synchronization

/// Remembers file digests by (device, inode, size, mtime, ctime), so a build hashes only
/// files that changed: the cost of a no-op build follows the number of changed files.
///
/// An entry is trusted only when the file's mtime is older than the moment it was recorded
/// (git's "racy" rule): a file written within the same timestamp tick as it was hashed could
/// change again without its mtime moving, so it is hashed again next time. On file systems
/// whose timestamps have whole seconds only, a second of margin applies.
///
/// The snapshot loaded at start is immutable; digests found during a build are collected
/// under a mutex and merged when the build saves the cache.
public final class StatCache: Sendable {
    /// One remembered digest.
    public struct Entry: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public var mtime: Int64
        public var ctime: Int64
        /// When the file was stat'ed before hashing, by the file clock.
        public var recordedAt: Int64
        public var digest: String

        /// Whether this entry still describes a file with this status.
        func matches(_ status: FileStatus) -> Bool {
            device == status.device && inode == status.inode && size == status.size
                && mtime == status.mtime && ctime == status.ctime
        }

        /// Whether the file may have changed within the tick it was recorded in.
        var isRacy: Bool { StatCache.isRacy(mtime: mtime, recordedAt: recordedAt) }
    }

    /// Git's racy rule: a status recorded at `recordedAt` (the file clock, read before the stat)
    /// vouches for the content only if the file's mtime is older; whole-second mtimes need a
    /// second of margin.
    static func isRacy(mtime: Int64, recordedAt: Int64) -> Bool {
        let coarse = mtime % 1_000_000_000 == 0
        return mtime >= recordedAt - (coarse ? 1_000_000_000 : 0)
    }

    /// The file starts with these 8 bytes and a 32-bit version.
    static let magic: [UInt8] = Array("LEPTONSC".utf8)
    static let version: UInt32 = 3

    /// The file as loaded, decoded entry by entry as paths are looked up.
    private let snapshot: StatCacheFile
    /// The file's status and size when it was loaded: updates may be appended to that file.
    private let loaded: (status: FileStatus, entries: Int)?
    private let updates = Mutex<[String: Entry]>([:])

    /// An empty cache.
    public convenience init() { self.init(file: StatCacheFile()) }

    private init(file: StatCacheFile, loaded: (status: FileStatus, entries: Int)? = nil) {
        snapshot = file
        self.loaded = loaded
    }

    /// The remembered digest, if the entry matches and is not racy.
    public func digest(for path: String, status: FileStatus) -> String? {
        // An entry that matches the file's current status is valid whichever build wrote it,
        // so the immutable snapshot is consulted first, without taking the lock.
        if let entry = snapshot.entry(for: path), entry.matches(status), !entry.isRacy { return entry.digest }
        if let entry = updates.withLock({ $0[path] }), entry.matches(status), !entry.isRacy { return entry.digest }
        return nil
    }

    /// Whether anything is remembered for `path`, matching or not: a path without an entry is
    /// read in any case, so its status can come from the opened file.
    public func remembers(_ path: String) -> Bool {
        if snapshot.count > 0, snapshot.entry(for: path) != nil { return true }
        return updates.withLock { $0[path] != nil }
    }

    /// Records a digest found during this build.
    public func record(_ path: String, status: FileStatus, digest: String, recordedAt: Int64) {
        let entry = Entry(
            device: status.device, inode: status.inode, size: status.size, mtime: status.mtime,
            ctime: status.ctime, recordedAt: recordedAt, digest: digest)
        updates.withLock { $0[path] = entry }
    }

    /// Whether anything was recorded since loading.
    public var isDirty: Bool { updates.withLock { !$0.isEmpty } }

    /// Loads a cache file; a missing, old or damaged file gives an empty cache.
    public static func load(from path: String, fileSystem: any FileSystem = PosixFileSystem()) -> StatCache {
        guard let status = fileSystem.status(path), let bytes = try? fileSystem.read(path) else { return StatCache() }
        let file = StatCacheFile(bytes: bytes)
        // Appending is safe only to the very file read, ending on a whole entry (an append a
        // crash cut short is compacted away by the next save instead).
        let appendable = file.clean && fileSystem.status(path) == status && status.size == Int64(bytes.count)
        return StatCache(file: file, loaded: appendable ? (status, file.count) : nil)
    }

    /// Saves what this build learnt: appended to the file it was loaded from when that is still
    /// the same file and the updates are few (a one-file edit in a large pipeline writes one
    /// entry, not the whole cache), else rewritten whole (see ``save(to:fileSystem:keep:)``),
    /// which also compacts what earlier appends left.
    public func saveUpdates(to path: String, fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError) {
        let recent = updates.withLock { $0 }
        guard !recent.isEmpty else { return }
        // Few updates, to the file as loaded, which earlier appends have not bloated (an entry
        // is about 100 bytes): else one compacted rewrite.
        guard let loaded, recent.count * 8 < max(loaded.entries, 64), fileSystem.status(path) == loaded.status,
            loaded.status.size < Int64(loaded.entries) * 256
        else { return try save(to: path, fileSystem: fileSystem) }
        var writer = ByteWriter()
        for (key, entry) in recent where ContentHash.isDigest(entry.digest) { StatCache.write(key, entry, to: &writer) }
        let file = try fileSystem.open(path, .append)
        defer { file.close() }
        guard file.writeAll(writer.bytes) else {
            let cause = Errno.current
            // A partial entry must not be read with what a later append puts after it.
            file.truncate(to: loaded.status.size)
            throw LeptonError(.io, "cannot append to the stat cache '\(path)'", cause: cause)
        }
    }

    private static func write(_ key: String, _ entry: Entry, to writer: inout ByteWriter) {
        writer.string(key)
        for value in [
            Int64(bitPattern: entry.device), Int64(bitPattern: entry.inode), entry.size, entry.mtime, entry.ctime,
            entry.recordedAt,
        ] {
            writer.integer(value)
        }
        writer.bytes += ContentHash.bytes(fromHex: entry.digest)
    }

    /// Writes the merged cache atomically, keeping only paths `keep` accepts.
    public func save(
        to path: String, fileSystem: any FileSystem = PosixFileSystem(), keep: (String) -> Bool = { _ in true }
    )
        throws(LeptonError)
    {
        let recent = updates.withLock { $0 }
        var writer = ByteWriter()
        writer.bytes.reserveCapacity(16 + (snapshot.count + recent.count) * 128)
        writer.bytes += StatCache.magic
        writer.integer(StatCache.version)
        let countOffset = writer.bytes.count
        writer.integer(UInt32(0))
        var count: UInt32 = 0
        func add(_ key: String, _ entry: Entry) {
            guard keep(key), ContentHash.isDigest(entry.digest) else { return }
            StatCache.write(key, entry, to: &writer)
            count += 1
        }
        // Entries of the file as loaded are copied as they were written.
        snapshot.forEach { key, entry in
            guard recent[key] == nil, keep(key) else { return }
            writer.bytes += entry
            count += 1
        }
        for (key, entry) in recent { add(key, entry) }
        withUnsafeBytes(of: count.littleEndian) {
            writer.bytes.replaceSubrange(countOffset..<(countOffset + 4), with: $0)
        }
        try fileSystem.writeAtomically(writer.bytes, to: path, durable: false)
    }
}

extension FixedWidthInteger {
    /// Parses ASCII decimal digits (with an optional leading `-`) without making a String.
    init?(decimal bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return nil }
        var value: Self = 0
        var negative = false
        var index = bytes.startIndex
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
            guard index < bytes.endIndex else { return nil }
        }
        while index < bytes.endIndex {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (scaled, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = scaled.addingReportingOverflow(Self(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        self = negative ? 0 - value : value
    }
}
