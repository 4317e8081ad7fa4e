#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `lstat` says about a path: the fields the stat cache keys on, and the kind.
public struct FileStatus: Equatable, Sendable {
    /// The kind of directory entry.
    public enum Kind: UInt8, Sendable { case file, directory, symlink, other }

    public var kind: Kind
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Modification time in nanoseconds since the epoch.
    public var mtime: Int64
    /// Status-change time in nanoseconds since the epoch; `touch` and `chmod` change it.
    public var ctime: Int64
    public var mode: UInt32

    /// Whether any execute bit is set.
    public var isExecutable: Bool { mode & 0o111 != 0 }

    public init(kind: Kind, device: UInt64, inode: UInt64, size: Int64, mtime: Int64, ctime: Int64, mode: UInt32) {
        self.kind = kind
        self.device = device
        self.inode = inode
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
        self.mode = mode
    }
}

extension FileStatus {
    package init(_ info: stat) {
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        self.init(
            kind: kind,
            device: UInt64(info.st_dev),
            inode: UInt64(info.st_ino),
            size: Int64(info.st_size),
            mtime: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            ctime: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
            mode: UInt32(info.st_mode & 0o7777)
        )
    }
}
