import LeptonSystem

/// A cache object whose only copy is a workspace file: a blob the build downloaded from the
/// remote cache straight into its output path (verified on arrival) instead of into `objects/`
/// and then copying it, so the download is written once.
///
/// The record, `held/<2 hex>/<62 hex>` under the cache, names the file and its status just after
/// it was renamed into place. The object counts as present only while the file still has exactly
/// that status: same device, inode, size, modification and status-change time. An edit, a
/// rename, a `touch`, a `chmod` or a new hard link changes one of them (the status-change time
/// cannot be set back), and the object is then simply absent. A status recorded within the file
/// clock's tick of the file's last change does not vouch for it (git's racy rule): such a file is
/// hashed before it is believed. Lepton moves a held file into `objects/` before it replaces or
/// removes it (``ArtifactCache/takeOver(_:digest:)``), so going back to it later needs no network.
struct HeldObject: Equatable, Sendable {
    /// The workspace file, absolute.
    var path: String
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtime: Int64
    var ctime: Int64
    /// The file clock when the status was taken (read before the `lstat`).
    var recordedAt: Int64

    init(path: String, status: FileStatus, recordedAt: Int64) {
        self.path = path
        device = status.device
        inode = status.inode
        size = status.size
        mtime = status.mtime
        ctime = status.ctime
        self.recordedAt = recordedAt
    }

    /// Reads a record; nil when it is not one (a torn or foreign file is no record).
    init?(bytes: [UInt8]) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count == 4, lines[3].isEmpty, Array(lines[0]) == HeldObject.header else { return nil }
        let numbers = lines[1].split(separator: UInt8(ascii: " ")).map { Int64(String(decoding: $0, as: UTF8.self)) }
        guard numbers.count == 6, let device = numbers[0], let inode = numbers[1], let size = numbers[2],
            let mtime = numbers[3], let ctime = numbers[4], let recordedAt = numbers[5], !lines[2].isEmpty
        else { return nil }
        path = String(decoding: lines[2], as: UTF8.self)
        self.device = UInt64(bitPattern: device)
        self.inode = UInt64(bitPattern: inode)
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
        self.recordedAt = recordedAt
    }

    var bytes: [UInt8] {
        let numbers = [Int64(bitPattern: device), Int64(bitPattern: inode), size, mtime, ctime, recordedAt]
        return HeldObject.header + Array("\n\(numbers.map(String.init).joined(separator: " "))\n\(path)\n".utf8)
    }

    /// Whether `status` is the file as recorded.
    func matches(_ status: FileStatus) -> Bool {
        status.kind == .file && status.device == device && status.inode == inode && status.size == size
            && status.mtime == mtime && status.ctime == ctime
    }

    /// Whether the file may have changed within the tick its status was recorded in.
    var isRacy: Bool { StatCache.isRacy(mtime: max(mtime, ctime), recordedAt: recordedAt) }

    static let header = Array("lepton-held 1".utf8)
}
