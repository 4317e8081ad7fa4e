import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The machine's file system, except for the writes and renames a test chooses to refuse (a
/// full disk, a cache on another file system): every call goes to ``PosixFileSystem``, and
/// ``refuse`` is asked first about each `writeAtomically` and `move`.
public final class InterceptingFileSystem: FileSystem, Sendable {
    /// A write or a rename about to happen.
    public enum Operation: Sendable {
        case write(path: String)
        case move(source: String, target: String)
    }

    let real = PosixFileSystem()
    /// What refuses an operation, with the error it fails with; nil lets everything through.
    public let refuse: Mutex<(@Sendable (Operation) -> LeptonError?)?>

    public init(refuse: (@Sendable (Operation) -> LeptonError?)? = nil) { self.refuse = Mutex(refuse) }

    private func check(_ operation: Operation) throws(LeptonError) {
        if let error = refuse.withLock({ $0 })?(operation) { throw error }
    }

    public func status(_ path: String) -> FileStatus? { real.status(path) }
    public func statusFollowingLinks(_ path: String) -> FileStatus? { real.statusFollowingLinks(path) }
    public func status(_ path: String, relativeTo folder: Int32) -> FileStatus? {
        real.status(path, relativeTo: folder)
    }
    public func statusFollowingLinks(_ path: String, relativeTo folder: Int32) -> FileStatus? {
        real.statusFollowingLinks(path, relativeTo: folder)
    }
    public func read(_ path: String) throws(LeptonError) -> [UInt8] { try real.read(path) }
    public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws(LeptonError) {
        try check(.write(path: path))
        try real.writeAtomically(bytes, to: path, mode: mode, durable: durable)
    }
    public func createDirectories(_ path: String) throws(LeptonError) { try real.createDirectories(path) }
    public func list(_ path: String) throws(LeptonError) -> [(name: String, kind: FileStatus.Kind)] {
        try real.list(path)
    }
    public func remove(_ path: String) throws(LeptonError) { try real.remove(path) }
    public func move(_ source: String, to target: String) throws(LeptonError) {
        try check(.move(source: source, target: target))
        try real.move(source, to: target)
    }
    public func setMode(_ path: String, _ mode: mode_t) { real.setMode(path, mode) }
    public func realPath(_ path: String) -> String? { real.realPath(path) }
    public func touch(_ path: String) { real.touch(path) }
    public func hardLink(_ source: String, at path: String) throws(LeptonError) { try real.hardLink(source, at: path) }
    public func symlink(_ destination: String, at path: String) throws(LeptonError) {
        try real.symlink(destination, at: path)
    }
    public func readLink(_ path: String) -> String? { real.readLink(path) }
    public func open(_ path: String, _ mode: FileDescriptor.Mode, permissions: mode_t) throws(LeptonError)
        -> FileDescriptor
    {
        try real.open(path, mode, permissions: permissions)
    }
    public func open(_ path: String, relativeTo folder: Int32) throws(LeptonError) -> FileDescriptor {
        try real.open(path, relativeTo: folder)
    }
}
