import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// One build at a time per package: an exclusive `flock` on `.lepton/build.lock`, which holds
/// the owner's pid and command. The kernel releases it when the owner dies, even by SIGKILL,
/// so it can never go stale.
public final class BuildLock: Sendable {
    private let file: FileDescriptor

    private init(file: FileDescriptor) { self.file = file }

    deinit { file.unlock() }

    /// Takes the lock if nobody holds it; nil otherwise (never waits).
    ///
    /// - Throws: ``LeptonError/Code/io`` when the lock file cannot be opened.
    public static func tryAcquire(path: String, command: String) throws(LeptonError) -> BuildLock? {
        let file = try openLockFile(path)
        guard try file.lockExclusively(wait: false) else { return nil }
        return BuildLock(file: file, command: command)
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
        let file = try openLockFile(path)
        if try !file.lockExclusively(wait: false) {
            let holder =
                (try? PosixFileSystem().readText(path))?.split(separator: "\n").first.map(String.init) ?? ""
            waiting(holder.isEmpty ? "another process" : holder)
            _ = try file.lockExclusively(wait: true)
        }
        return BuildLock(file: file, command: command)
    }

    private static func openLockFile(_ path: String) throws(LeptonError) -> FileDescriptor {
        do throws(LeptonError) {
            return try PosixFileSystem().open(path, .readWrite)
        } catch {
            throw LeptonError.io("cannot open the build lock '\(path)'", error.errno ?? .current)
        }
    }

    /// Records the holder in the lock file for whoever waits next.
    private convenience init(file: FileDescriptor, command: String) {
        file.truncate(to: 0)
        file.write(Array("process \(getpid()) (\(command))\n".utf8), at: 0)
        self.init(file: file)
    }
}
