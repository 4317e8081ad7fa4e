#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The real ``FileSystem``: POSIX calls (not Foundation's file APIs, which cost ten times as
/// much per `stat` on the no-op path).
public struct PosixFileSystem: FileSystem {
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

    /// Reads a whole file.
    ///
    /// - Throws: ``LeptonError/Code/io`` naming the path.
    public func read(_ path: String) throws(LeptonError) -> [UInt8] {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError("cannot read '\(path)'") }
        defer { Glibc.close(descriptor) }
        var info = stat()
        let expected = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
        var failed = false
        // Straight into the array (no zero-filled chunk, no second copy: the lock, the stat
        // cache and the snapshot of a large pipeline are megabytes each); one byte more than
        // the size shows the end of the file.
        var result = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            while initialized < buffer.count {
                let count = Glibc.read(descriptor, base + initialized, buffer.count - initialized)
                if count < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                if count == 0 { return }
                initialized += count
            }
        }
        if failed { throw ioError("cannot read '\(path)'") }
        if result.count <= expected { return result }
        // The file grew while being read: the rest in chunks.
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read '\(path)'")
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws(LeptonError) {
        let temporary = temporaryName(beside: path)
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw ioError("cannot write '\(path)'") }
        var ok = bytes.withUnsafeBytes { writeAll(descriptor, $0) }
        ok = ok && (!durable || fsync(descriptor) == 0)
        let failure = Errno.current
        Glibc.close(descriptor)
        guard ok, rename(temporary, path) == 0 else {
            let error = LeptonError.io("cannot write '\(path)'", ok ? .current : failure)
            unlink(temporary)
            throw error
        }
        // The rename itself survives a power cut only once the folder is flushed too.
        if durable { syncFolder(RelativePath.parent(path) ?? ".") }
    }

    private func syncFolder(_ path: String) {
        let folder = Glibc.open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return }
        _ = fsync(folder)
        Glibc.close(folder)
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
        // A file (or nothing) is the common case: one `unlink`, no `lstat` first.
        if unlink(path) == 0 || errno == ENOENT || errno == ENOTDIR { return }
        guard errno == EISDIR || errno == EPERM, let info = status(path) else {
            throw ioError("cannot remove '\(path)'")
        }
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

    /// The process's working folder.
    public func currentDirectory() -> String? {
        guard let path = getcwd(nil, 0) else { return nil }
        defer { free(path) }
        return String(cString: path)
    }

    public func hardLink(_ source: String, at path: String) throws(LeptonError) {
        if link(source, path) != 0 { throw ioError("cannot link '\(path)' to '\(source)'") }
    }

    public func symlink(_ destination: String, at path: String) throws(LeptonError) {
        if Glibc.symlink(destination, path) != 0 { throw ioError("cannot create the symlink '\(path)'") }
    }

    public func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func open(_ path: String, _ mode: FileDescriptor.Mode, permissions: mode_t) throws(LeptonError)
        -> FileDescriptor
    {
        let descriptor = Glibc.open(path, mode.flags | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw ioError("cannot open '\(path)'") }
        return FileDescriptor(raw: descriptor)
    }

    public func open(_ path: String, relativeTo folder: Int32) throws(LeptonError) -> FileDescriptor {
        let descriptor = openat(folder, path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError("cannot open '\(path)'") }
        return FileDescriptor(raw: descriptor)
    }
}
