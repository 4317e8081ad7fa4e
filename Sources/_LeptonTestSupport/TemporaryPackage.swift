import LeptonCore
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A package folder in the system's temporary directory, removed when the value is dropped.
public final class TemporaryPackage: @unchecked Sendable {
    /// The absolute path of the folder.
    public let root: String
    public let fileSystem = PosixFileSystem()

    public init(_ label: String = "pkg") {
        var template = Array("/tmp/lepton-test-\(label)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        root = created ?? "/tmp/lepton-test-\(label)-\(UInt64.random(in: 0..<UInt64.max))"
        if created == nil { try? fileSystem.createDirectories(root) }
    }

    deinit { try? fileSystem.remove(root) }

    public var workspace: Workspace { Workspace(root: root) }

    /// Writes a file (creating folders), relative to the root.
    public func write(_ path: String, _ text: String) {
        let absolute = root + "/" + path
        if let parent = RelativePath.parent(absolute) { try? fileSystem.createDirectories(parent) }
        try? fileSystem.writeAtomically(text, to: absolute)
    }

    /// Reads a file relative to the root, nil when missing.
    public func read(_ path: String) -> String? { try? fileSystem.readText(root + "/" + path) }

    public func exists(_ path: String) -> Bool { fileSystem.exists(root + "/" + path) }

    public func remove(_ path: String) { try? fileSystem.remove(root + "/" + path) }

    /// Sets a file's modification time to now without changing its content.
    public func touch(_ path: String) { fileSystem.touch(root + "/" + path) }

    /// Moves a file's modification time by `seconds` (negative: into the past), so a test sees
    /// a changed timestamp without waiting for the clock to tick.
    public func shiftModificationTime(_ path: String, by seconds: Int) {
        guard let status = fileSystem.status(root + "/" + path) else { return }
        let target = status.mtime + Int64(seconds) * 1_000_000_000
        let time = timespec(tv_sec: Int(target / 1_000_000_000), tv_nsec: Int(target % 1_000_000_000))
        var times = [time, time]
        _ = utimensat(AT_FDCWD, root + "/" + path, &times, 0)
    }
}
