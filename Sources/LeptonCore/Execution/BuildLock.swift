#if canImport(Glibc)
    import Glibc
#endif

/// One build at a time per package: an exclusive `flock` on `.lepton/build.lock`, which holds
/// the owner's pid and command. The kernel releases it when the owner dies, even by SIGKILL,
/// so it can never go stale.
public final class BuildLock: @unchecked Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Takes the lock if nobody holds it; nil otherwise (never waits).
    ///
    /// - Throws: ``LeptonError/Code/io`` when the lock file cannot be opened.
    public static func tryAcquire(path: String, command: String) throws(LeptonError) -> BuildLock? {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystem().ioError("cannot open the build lock '\(path)'") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        ftruncate(descriptor, 0)
        let text = "process \(getpid()) (\(command))\n"
        _ = Array(text.utf8).withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return BuildLock(descriptor: descriptor)
    }

    /// Takes the lock, waiting for its holder if there is one.
    ///
    /// - Parameters:
    ///   - path: The lock file, `.lepton/build.lock`.
    ///   - command: What this process is, recorded for whoever waits next.
    ///   - waiting: Called once, with the holder's description, before waiting.
    /// - Returns: The held lock; it is released when the value is dropped.
    /// - Throws: ``LeptonError/Code/io`` when the lock file cannot be opened.
    public static func acquire(path: String, command: String, waiting: (String) -> Void) throws(LeptonError)
        -> BuildLock
    {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileSystem().ioError("cannot open the build lock '\(path)'") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder =
                (try? FileSystem().readText(path))?.split(separator: "\n").first.map(String.init) ?? "another process"
            waiting(holder.isEmpty ? "another process" : holder)
            while flock(descriptor, LOCK_EX) != 0 {
                if errno != EINTR {
                    close(descriptor)
                    throw FileSystem().ioError("cannot lock '\(path)'")
                }
            }
        }
        ftruncate(descriptor, 0)
        let text = "process \(getpid()) (\(command))\n"
        _ = Array(text.utf8).withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return BuildLock(descriptor: descriptor)
    }
}
