#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The single funnel for Lepton's file I/O: the engine's only way to the disk, so that every
/// write is atomic where it must be, every error names its path and carries its ``Errno``, and
/// tests can put a fault-injecting file system in its place.
///
/// Every write that must survive a crash goes through
/// ``writeAtomically(_:to:mode:durable:)``: a temporary file beside the target, flushed, then
/// renamed over it (and, when durable, the folder flushed so the rename survives a power cut).
/// ``PosixFileSystem`` is the real one.
public protocol FileSystem: Sendable {
    /// `lstat` of a path; nil when nothing is there.
    func status(_ path: String) -> FileStatus?
    /// `stat` following symlinks; nil when nothing is there.
    func statusFollowingLinks(_ path: String) -> FileStatus?
    /// `lstat` of a path relative to an open folder; nil when nothing is there.
    func status(_ path: String, relativeTo folder: Int32) -> FileStatus?
    /// `stat` relative to an open folder, following symlinks; nil when nothing is there.
    func statusFollowingLinks(_ path: String, relativeTo folder: Int32) -> FileStatus?
    /// Reads a whole file. Throws ``LeptonError/Code/io`` naming the path.
    func read(_ path: String) throws(LeptonError) -> [UInt8]
    /// Writes to a temporary file beside `path`, flushes it and renames it over `path`; a crash
    /// at any moment leaves the old file or the new one. `durable` also syncs the data and the
    /// folder (the lock file, state); cache objects skip it, since restores verify digests.
    func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws(LeptonError)
    /// Creates a folder and its parents.
    func createDirectories(_ path: String) throws(LeptonError)
    /// The entries of a folder, without `.` and `..`, sorted by name.
    func list(_ path: String) throws(LeptonError) -> [(name: String, kind: FileStatus.Kind)]
    /// Removes a file, a symlink or a whole folder tree. Nothing there is not an error.
    func remove(_ path: String) throws(LeptonError)
    /// Renames, replacing the target.
    func move(_ source: String, to target: String) throws(LeptonError)
    /// Sets permission bits.
    func setMode(_ path: String, _ mode: mode_t)
    /// The canonical absolute path with every symlink resolved, if the path exists.
    func realPath(_ path: String) -> String?
    /// Sets the modification time to now.
    func touch(_ path: String)
    /// A hard link at `path` to `source`.
    func hardLink(_ source: String, at path: String) throws(LeptonError)
    /// A symlink at `path` whose text is `destination`.
    func symlink(_ destination: String, at path: String) throws(LeptonError)
    /// A symlink's text; nil when `path` is not a symlink.
    func readLink(_ path: String) -> String?
    /// Opens a file for what must stay open (a lock, appends, a log, a streamed copy).
    func open(_ path: String, _ mode: FileDescriptor.Mode, permissions: mode_t) throws(LeptonError) -> FileDescriptor
    /// Opens a file for reading relative to an open folder (`openat`): fewer components to walk
    /// than its absolute path.
    func open(_ path: String, relativeTo folder: Int32) throws(LeptonError) -> FileDescriptor
}

extension FileSystem {
    public func exists(_ path: String) -> Bool { status(path) != nil }

    public func isDirectory(_ path: String) -> Bool { statusFollowingLinks(path)?.kind == .directory }

    /// Reads a whole file as UTF-8 text.
    public func readText(_ path: String) throws(LeptonError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// ``writeAtomically(_:to:mode:durable:)`` of any bytes; by default mode 644 and durable.
    public func writeAtomically(
        _ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644, durable: Bool = true
    ) throws(LeptonError) {
        try writeAtomically(Array(bytes), to: path, mode: mode, durable: durable)
    }

    /// Writes text atomically and durably.
    public func writeAtomically(_ text: String, to path: String) throws(LeptonError) {
        try writeAtomically(Array(text.utf8), to: path, mode: 0o644, durable: true)
    }

    /// Opens with mode 644 for files it creates.
    public func open(_ path: String, _ mode: FileDescriptor.Mode) throws(LeptonError) -> FileDescriptor {
        try open(path, mode, permissions: 0o644)
    }

    /// A name beside `path` no other process or thread will choose.
    public func temporaryName(beside path: String) -> String {
        let suffix = ".lepton-tmp.\(getpid()).\(UInt64.random(in: 0..<UInt64.max))"
        // One search on the bytes for the common case, a path ending in a name.
        if let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")), path.utf8.index(after: slash) != path.utf8.endIndex {
            return String(path[..<slash]) + "/." + String(path[path.utf8.index(after: slash)...]) + suffix
        }
        let parent = RelativePath.parent(path) ?? "."
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        return "\(parent)/.\(name)" + suffix
    }

    /// An ``LeptonError/Code/io`` error for the current `errno`.
    public func ioError(_ message: String) -> LeptonError { LeptonError.io(message) }
}
