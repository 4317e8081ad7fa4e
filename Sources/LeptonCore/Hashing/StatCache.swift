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
        var isRacy: Bool {
            let coarse = mtime % 1_000_000_000 == 0
            return mtime >= recordedAt - (coarse ? 1_000_000_000 : 0)
        }
    }

    static let header = "# lepton stat cache v1"

    private let snapshot: [String: Entry]
    private let updates = Mutex<[String: Entry]>([:])

    /// An empty cache.
    public convenience init() { self.init(entries: [:]) }

    init(entries: [String: Entry]) { snapshot = entries }

    /// The remembered digest, if the entry matches and is not racy.
    public func digest(for path: String, status: FileStatus) -> String? {
        if let entry = updates.withLock({ $0[path] }) ?? snapshot[path], entry.matches(status), !entry.isRacy {
            return entry.digest
        }
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
    public static func load(from path: String, fileSystem: FileSystem = FileSystem()) -> StatCache {
        guard let bytes = try? fileSystem.read(path) else { return StatCache() }
        return StatCache(entries: parse(bytes))
    }

    static func parse(_ bytes: [UInt8]) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard let first = lines.popFirst(), String(decoding: first, as: UTF8.self) == header else { return [:] }
        entries.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 8,
                let device = UInt64(decimal: fields[1]), let inode = UInt64(decimal: fields[2]),
                let size = Int64(decimal: fields[3]), let mtime = Int64(decimal: fields[4]),
                let ctime = Int64(decimal: fields[5]), let recordedAt = Int64(decimal: fields[6]),
                fields[7].count == 64
            else { continue }
            let path = String(decoding: fields[0], as: UTF8.self)
            entries[path] = Entry(
                device: device, inode: inode, size: size, mtime: mtime, ctime: ctime,
                recordedAt: recordedAt, digest: String(decoding: fields[7], as: UTF8.self))
        }
        return entries
    }

    /// Writes the merged cache atomically, keeping only paths `keep` accepts.
    public func save(to path: String, fileSystem: FileSystem = FileSystem(), keep: (String) -> Bool = { _ in true })
        throws(LeptonError)
    {
        var merged = snapshot
        for (key, entry) in updates.withLock({ $0 }) { merged[key] = entry }
        var out = StatCache.header + "\n"
        for (key, entry) in merged where keep(key) {
            if key.contains("\t") || key.contains("\n") { continue }
            out += "\(key)\t\(entry.device)\t\(entry.inode)\t\(entry.size)\t\(entry.mtime)\t\(entry.ctime)"
            out += "\t\(entry.recordedAt)\t\(entry.digest)\n"
        }
        try fileSystem.writeAtomically(out, to: path)
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
