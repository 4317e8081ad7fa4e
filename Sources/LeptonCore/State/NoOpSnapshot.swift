import LeptonSystem
import Synchronization

/// `.lepton/noop-snapshot`: a certificate that nothing changed since the last complete build.
///
/// A full no-op decision costs a parse of the description, the lock and the stat cache plus a
/// key per stage. After a complete, successful build Lepton instead records every path the
/// build's decisions were based on, with the exact status (device, inode, size, mtime, ctime)
/// its digest was computed from, the statuses of the folders it listed (taken before listing,
/// so an added or removed file shows), and the context: the evaluated Leptonfile's cache key,
/// the values of declared environment variables, the SwiftPM target list and the Lepton
/// version. The next build first stats those paths: if every status and the context are
/// unchanged, every input is byte-for-byte what the last build saw, so every stage is up to
/// date. Any difference, or a status recorded within its own timestamp tick (git's racy rule),
/// sends the build down the full content-hash path. The snapshot is removed when a build starts
/// that path, so a crash can never leave a stale certificate.
public struct NoOpSnapshot: Sendable, Equatable {
    static let magic: [UInt8] = Array("LEPTONNS".utf8)
    static let version: UInt32 = 1

    /// What must be equal besides the statuses: loader key, environment, targets, version.
    public var context: String
    /// The names of the environment variables the pipeline declares.
    public var environmentNames: [String]
    /// How many stages the certified build had.
    public var stageCount: Int
    /// Paths (relative to the root) and the statuses the build's decisions used.
    public var entries: [(path: String, status: FileStatus)]

    public static func == (a: NoOpSnapshot, b: NoOpSnapshot) -> Bool {
        a.context == b.context && a.environmentNames == b.environmentNames && a.stageCount == b.stageCount
            && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.path == $1.path && $0.status == $1.status }
    }

    public init(
        context: String, environmentNames: [String], stageCount: Int, entries: [(path: String, status: FileStatus)]
    ) {
        self.context = context
        self.environmentNames = environmentNames
        self.stageCount = stageCount
        self.entries = entries
    }

    /// The status of a path that was unstable or racy when observed (written within its own
    /// timestamp tick): equal to no status a file can have, so it always counts as changed.
    public static let unsettled = FileStatus(
        kind: .other, device: .max, inode: .max, size: -1, mtime: .min, ctime: .min, mode: 0)

    /// The context digest of a build: everything besides file statuses that can make a stage stale.
    public static func context(loaderKey: String, environment: [String: String?], targets: TargetSources?) -> String {
        var text = "lepton noop-snapshot v\(version)\nloader \(loaderKey)\n"
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            text += "env \(name) \(value.map { ContentHash.of(text: $0) } ?? "unset")\n"
        }
        if let targets {
            for (name, files) in targets.targets.sorted(by: { $0.key < $1.key }) {
                text += "target \(name) \(files.joined(separator: "\u{1}"))\n"
            }
        }
        return ContentHash.of(text: text)
    }

    /// Every recorded path split by whether its status changed, from one parallel pass; nil when
    /// the root cannot be opened.
    func scan(root: String, fileSystem: any FileSystem = PosixFileSystem()) -> (
        changed: [String], unchanged: [(path: String, status: FileStatus)]
    )? {
        let folder = RootFolder(path: root)
        guard folder.descriptor >= 0 else { return nil }
        let entries = UnsafeSendableBox(self.entries)
        let changedFlags = Mutex<[Int]>([])
        Parallel.forEachRange(count: self.entries.count, minimumPerWorker: 512) { range in
            var found: [Int] = []
            for index in range
            where fileSystem.status(entries.value[index].path, relativeTo: folder.descriptor)
                != entries.value[index].status
            {
                found.append(index)
            }
            if !found.isEmpty { changedFlags.withLock { $0 += found } }
        }
        let changedIndices = Set(changedFlags.withLock { $0 })
        var changed: [String] = []
        var unchanged: [(path: String, status: FileStatus)] = []
        unchanged.reserveCapacity(self.entries.count - changedIndices.count)
        for (index, entry) in self.entries.enumerated() {
            if changedIndices.contains(index) { changed.append(entry.path) } else { unchanged.append(entry) }
        }
        return (changed, unchanged)
    }

    // MARK: File format

    /// The binary form: magic, version, context, names, count, then per entry the path and the
    /// seven status fields.
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.bytes += NoOpSnapshot.magic
        writer.integer(NoOpSnapshot.version)
        writer.string(context)
        writer.strings(environmentNames)
        writer.integer(UInt64(stageCount))
        writer.integer(UInt32(entries.count))
        for (path, status) in entries {
            writer.string(path)
            writer.integer(status.kind.rawValue)
            writer.integer(status.device)
            writer.integer(status.inode)
            writer.integer(status.size)
            writer.integer(status.mtime)
            writer.integer(status.ctime)
            writer.integer(status.mode)
        }
        return writer.bytes
    }

    /// Parses the binary form; nil when it is damaged or of another version.
    public init?(bytes: [UInt8]) {
        var reader = ByteReader(bytes: bytes)
        guard reader.take(8).map(Array.init) == NoOpSnapshot.magic, reader.integer(UInt32.self) == NoOpSnapshot.version,
            let context = reader.string(), let names = reader.strings()
        else { return nil }
        guard let stages = reader.integer(UInt64.self), let count = reader.integer(UInt32.self) else { return nil }
        var entries: [(path: String, status: FileStatus)] = []
        entries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let path = reader.string(), let kindValue = reader.integer(UInt8.self),
                let kind = FileStatus.Kind(rawValue: kindValue), let device = reader.integer(UInt64.self),
                let inode = reader.integer(UInt64.self), let size = reader.integer(Int64.self),
                let mtime = reader.integer(Int64.self), let ctime = reader.integer(Int64.self),
                let mode = reader.integer(UInt32.self)
            else { return nil }
            entries.append(
                (
                    path,
                    FileStatus(
                        kind: kind, device: device, inode: inode, size: size, mtime: mtime, ctime: ctime, mode: mode)
                ))
        }
        guard reader.isAtEnd else { return nil }
        self.init(context: context, environmentNames: names, stageCount: Int(stages), entries: entries)
    }
}

/// Sequential reads of little-endian integers and length-prefixed strings.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard let slice = take(MemoryLayout<T>.size) else { return nil }
        return slice.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    mutating func string() -> String? {
        guard let length = integer(UInt32.self), let slice = take(Int(length)) else { return nil }
        return String(decoding: slice, as: UTF8.self)
    }
}
