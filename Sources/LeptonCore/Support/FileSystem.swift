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

/// The single funnel for Lepton's file I/O, over POSIX calls (not Foundation's file APIs,
/// which cost ten times as much per `stat` on the no-op path).
///
/// Every write that must survive a crash goes through ``writeAtomically(_:to:mode:)``:
/// a temporary file beside the target, flushed, then renamed over it.
public struct FileSystem: Sendable {
    public init() {}

    /// `lstat` of a path; nil when nothing is there.
    public func status(_ path: String) -> FileStatus? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    /// `lstat` of a path relative to an open folder; nil when nothing is there.
    public func status(_ path: String, relativeTo folder: Int32) -> FileStatus? {
        var info = stat()
        guard fstatat(folder, path, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return FileStatus(info)
    }

    /// `stat` of a path relative to an open folder, following symlinks; nil when nothing is
    /// there. Cheaper than an absolute path: no string to build, fewer components to walk.
    public func statusFollowingLinks(_ path: String, relativeTo folder: Int32) -> FileStatus? {
        var info = stat()
        guard fstatat(folder, path, &info, 0) == 0 else { return nil }
        return FileStatus(info)
    }

    /// `stat` following symlinks; nil when nothing is there.
    public func statusFollowingLinks(_ path: String) -> FileStatus? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    public func exists(_ path: String) -> Bool { status(path) != nil }

    public func isDirectory(_ path: String) -> Bool { statusFollowingLinks(path)?.kind == .directory }

    /// Reads a whole file.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming the path.
    public func read(_ path: String) throws(LeptonError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError("cannot read '\(path)'") }
        defer { close(descriptor) }
        var info = stat()
        let expected = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
        var result = [UInt8]()
        result.reserveCapacity(expected + 1)
        var chunk = [UInt8](repeating: 0, count: Swift.max(65536, Swift.min(expected + 1, 1 << 24)))
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read '\(path)'")
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Reads a whole file as UTF-8 text.
    public func readText(_ path: String) throws(LeptonError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes bytes to a temporary file beside `path`, flushes it, and renames it over `path`.
    /// A crash at any moment leaves either the old file or the new one.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming the path; the temporary file is removed.
    ///
    /// `durable` also flushes the data to the disk before the rename (for the lock file and
    /// state, which must survive a power cut); cache objects skip it because every restore
    /// verifies their digest anyway.
    public func writeAtomically(
        _ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644, durable: Bool = true
    ) throws(LeptonError) {
        let temporary = temporaryName(beside: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw ioError("cannot write '\(path)'") }
        var ok = Array(bytes).withUnsafeBytes { writeAll(descriptor, $0) }
        ok = ok && (!durable || fsync(descriptor) == 0)
        close(descriptor)
        guard ok, rename(temporary, path) == 0 else {
            let error = ioError("cannot write '\(path)'")
            unlink(temporary)
            throw error
        }
    }

    /// Writes text atomically.
    public func writeAtomically(_ text: String, to path: String) throws(LeptonError) {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// Creates a folder and its parents.
    public func createDirectories(_ path: String) throws(LeptonError) {
        if isDirectory(path) { return }
        if let parent = RelativePath.parent(path), !parent.isEmpty { try createDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw ioError("cannot create the folder '\(path)'")
        }
    }

    /// The entries of a folder, without `.` and `..`, sorted by name.
    public func list(_ path: String) throws(LeptonError) -> [(name: String, kind: FileStatus.Kind)] {
        guard let directory = opendir(path) else { throw ioError("cannot list the folder '\(path)'") }
        defer { closedir(directory) }
        var entries: [(name: String, kind: FileStatus.Kind)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let kind: FileStatus.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = status(RelativePath.join(path, name))?.kind ?? .other
            default: kind = .other
            }
            entries.append((name, kind))
        }
        entries.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return entries
    }

    /// Removes a file, a symlink or a whole folder tree. Nothing there is not an error.
    public func remove(_ path: String) throws(LeptonError) {
        guard let info = status(path) else { return }
        if info.kind == .directory {
            for entry in try list(path) { try remove(RelativePath.join(path, entry.name)) }
            if rmdir(path) != 0 { throw ioError("cannot remove the folder '\(path)'") }
        } else {
            if unlink(path) != 0 && errno != ENOENT { throw ioError("cannot remove '\(path)'") }
        }
    }

    /// Renames, replacing the target.
    public func move(_ source: String, to target: String) throws(LeptonError) {
        if rename(source, target) != 0 { throw ioError("cannot move '\(source)' to '\(target)'") }
    }

    /// Sets permission bits.
    public func setMode(_ path: String, _ mode: mode_t) {
        chmod(path, mode)
    }

    /// The canonical absolute path with every symlink resolved, if the path exists.
    public func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Sets the modification time (used by tests and benchmarks to simulate `touch`).
    public func touch(_ path: String) {
        utimensat(AT_FDCWD, path, nil, 0)
    }

    /// A name beside `path` no other process or thread will choose.
    public func temporaryName(beside path: String) -> String {
        let parent = RelativePath.parent(path) ?? "."
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        return "\(parent)/.\(name).lepton-tmp.\(getpid()).\(UInt64.random(in: 0..<UInt64.max))"
    }

    func ioError(_ message: String) -> LeptonError {
        let reason = String(cString: strerror(errno))
        return LeptonError(.io, "\(message): \(reason)")
    }
}

/// Writes every byte of a buffer, retrying on short writes and EINTR.
func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < buffer.count {
        let count = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
        if count < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += count
    }
    return true
}

extension FileStatus {
    init(_ info: stat) {
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
