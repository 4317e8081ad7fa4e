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
    static let version: UInt32 = 2

    private let snapshot: [String: Entry]
    private let updates = Mutex<[String: Entry]>([:])

    /// An empty cache.
    public convenience init() { self.init(entries: [:]) }

    init(entries: [String: Entry]) { snapshot = entries }

    /// The remembered digest, if the entry matches and is not racy.
    public func digest(for path: String, status: FileStatus) -> String? {
        // An entry that matches the file's current status is valid whichever build wrote it,
        // so the immutable snapshot is consulted first, without taking the lock.
        if let entry = snapshot[path], entry.matches(status), !entry.isRacy { return entry.digest }
        if let entry = updates.withLock({ $0[path] }), entry.matches(status), !entry.isRacy { return entry.digest }
        return nil
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
        guard let bytes = try? fileSystem.read(path) else { return StatCache() }
        return StatCache(entries: parse(bytes))
    }

    /// Reads the binary form: magic, version, count, then per entry the path length and bytes,
    /// six 64-bit fields and the 32-byte digest. A damaged file yields what was read before
    /// the damage (each entry is self-contained), an unknown version yields nothing.
    static func parse(_ bytes: [UInt8]) -> [String: Entry] {
        bytes.withUnsafeBytes { raw -> [String: Entry] in
            guard raw.count >= 16, Array(raw[0..<8]) == magic,
                raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self) == version
            else { return [:] }
            let count = Int(raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
            var entries: [String: Entry] = [:]
            entries.reserveCapacity(count)
            var offset = 16
            for _ in 0..<count {
                guard offset + 4 <= raw.count else { break }
                let length = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let fieldsStart = offset + 4 + length
                guard length > 0, fieldsStart + 48 + 32 <= raw.count else { break }
                let path = String(
                    decoding: UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<fieldsStart]), as: UTF8.self)
                func field(_ index: Int) -> Int64 {
                    raw.loadUnaligned(fromByteOffset: fieldsStart + 8 * index, as: Int64.self)
                }
                let digest = ContentHash.hex(
                    UnsafeRawBufferPointer(rebasing: raw[(fieldsStart + 48)..<(fieldsStart + 80)]))
                entries[path] = Entry(
                    device: UInt64(bitPattern: field(0)), inode: UInt64(bitPattern: field(1)), size: field(2),
                    mtime: field(3), ctime: field(4), recordedAt: field(5), digest: digest)
                offset = fieldsStart + 80
            }
            return entries
        }
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
            writer.string(key)
            for value in [
                Int64(bitPattern: entry.device), Int64(bitPattern: entry.inode), entry.size, entry.mtime, entry.ctime,
                entry.recordedAt,
            ] {
                writer.integer(value)
            }
            writer.bytes += ContentHash.bytes(fromHex: entry.digest)
            count += 1
        }
        for (key, entry) in snapshot where recent[key] == nil { add(key, entry) }
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
