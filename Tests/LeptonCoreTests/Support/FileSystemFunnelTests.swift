import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The real file system, except that renames fail with a chosen error (a full disk) once armed.
private final class FailingRenames: FileSystem, @unchecked Sendable {
    let real = PosixFileSystem()
    let failure = Mutex<Errno?>(nil)

    func status(_ path: String) -> FileStatus? { real.status(path) }
    func statusFollowingLinks(_ path: String) -> FileStatus? { real.statusFollowingLinks(path) }
    func status(_ path: String, relativeTo folder: Int32) -> FileStatus? { real.status(path, relativeTo: folder) }
    func statusFollowingLinks(_ path: String, relativeTo folder: Int32) -> FileStatus? {
        real.statusFollowingLinks(path, relativeTo: folder)
    }
    func read(_ path: String) throws(LeptonError) -> [UInt8] { try real.read(path) }
    func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t, durable: Bool) throws(LeptonError) {
        if let failure = failure.withLock({ $0 }) { throw LeptonError.io("cannot write '\(path)'", failure) }
        try real.writeAtomically(bytes, to: path, mode: mode, durable: durable)
    }
    func createDirectories(_ path: String) throws(LeptonError) { try real.createDirectories(path) }
    func list(_ path: String) throws(LeptonError) -> [(name: String, kind: FileStatus.Kind)] { try real.list(path) }
    func remove(_ path: String) throws(LeptonError) { try real.remove(path) }
    func move(_ source: String, to target: String) throws(LeptonError) {
        if let failure = failure.withLock({ $0 }) { throw LeptonError.io("cannot move '\(source)'", failure) }
        try real.move(source, to: target)
    }
    func setMode(_ path: String, _ mode: mode_t) { real.setMode(path, mode) }
    func realPath(_ path: String) -> String? { real.realPath(path) }
    func touch(_ path: String) { real.touch(path) }
    func hardLink(_ source: String, at path: String) throws(LeptonError) { try real.hardLink(source, at: path) }
    func symlink(_ destination: String, at path: String) throws(LeptonError) {
        try real.symlink(destination, at: path)
    }
    func readLink(_ path: String) -> String? { real.readLink(path) }
    func open(_ path: String, _ mode: FileDescriptor.Mode, permissions: mode_t) throws(LeptonError) -> FileDescriptor {
        try real.open(path, mode, permissions: permissions)
    }
}

/// Every file beneath `root` whose name marks it as a Lepton temporary.
private func temporaries(under root: String) -> [String] {
    let fileSystem = PosixFileSystem()
    var found: [String] = []
    func walk(_ folder: String) {
        for entry in (try? fileSystem.list(folder)) ?? [] {
            let path = folder + "/" + entry.name
            if entry.name.contains(".lepton-tmp.") { found.append(path) }
            if entry.kind == .directory { walk(path) }
        }
    }
    walk(root)
    return found
}

struct FileSystemFunnelTests {
    @Test func aFullDiskDuringAStoreLeavesNoObjectAndNoTemporaryAndSaysWhy() throws {
        let package = TemporaryPackage("funnel")
        package.write("model.bin", "weights")
        let fileSystem = FailingRenames()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory, fileSystem: fileSystem)
        let digest = ContentHash.of(text: "weights")
        fileSystem.failure.withLock { $0 = .noSpace }
        do {
            try cache.storeFile(package.root + "/model.bin", digest: digest)
            Issue.record("the store succeeded on a full disk")
        } catch {
            #expect(error.errno == .noSpace)
            #expect(error.message.contains("No space left on device"))
        }
        #expect(!cache.contains(PathDigest(kind: .file, digest: digest)))
        #expect(temporaries(under: package.root).isEmpty)
        fileSystem.failure.withLock { $0 = nil }
        try cache.storeFile(package.root + "/model.bin", digest: digest)
        #expect(cache.contains(PathDigest(kind: .file, digest: digest)))
    }

    @Test func ioErrorsCarryTheirErrnoAndNameThePath() throws {
        let package = TemporaryPackage("funnel")
        let fileSystem = PosixFileSystem()
        do {
            _ = try fileSystem.read(package.root + "/missing.txt")
            Issue.record("reading a missing file succeeded")
        } catch {
            #expect(error.errno == .noEntry)
            #expect(error.message.contains("missing.txt"))
        }
        package.write("file.txt", "x")
        do {
            try fileSystem.createDirectories(package.root + "/file.txt/inside")
            Issue.record("a folder was created under a file")
        } catch {
            #expect(error.errno != nil)
            #expect(error.message.contains("file.txt/inside"))
        }
    }

    @Test func anAtomicWriteWhoseRenameFailsLeavesWhatWasThereAndNoTemporary() throws {
        let package = TemporaryPackage("funnel")
        // A folder in the way: the temporary is written in full, then the rename fails.
        package.write("state/Lepton.lock/keep.txt", "old\n")
        let fileSystem = PosixFileSystem()
        do {
            try fileSystem.writeAtomically("new\n", to: package.root + "/state/Lepton.lock")
            Issue.record("a file replaced a folder")
        } catch {
            #expect(error.errno == Errno(EISDIR))
        }
        #expect(package.read("state/Lepton.lock/keep.txt") == "old\n")
        #expect(temporaries(under: package.root).isEmpty)
    }

    @Test func theBuildLockIsExclusiveAcrossDescriptorsAndFreedWhenItsHolderGoes() throws {
        let package = TemporaryPackage("funnel")
        let path = package.root + "/build.lock"
        var held: BuildLock? = try BuildLock.tryAcquire(path: path, command: "first")
        #expect(held != nil)
        #expect(try BuildLock.tryAcquire(path: path, command: "second") == nil)
        #expect(package.read("build.lock")?.contains("(first)") == true)
        held = nil
        let second = try BuildLock.tryAcquire(path: path, command: "second")
        #expect(second != nil)
        #expect(package.read("build.lock")?.contains("(second)") == true)
        withExtendedLifetime(held) {}
    }

    @Test func descriptorsArePipesAndFilesThatNoChildInherits() throws {
        let (reader, writer) = try FileDescriptor.pipe()
        for end in [reader, writer] { #expect(fcntl(end.raw, F_GETFD) & FD_CLOEXEC != 0) }
        #expect(writer.writeAll(Array("line\n".utf8)))
        writer.close()
        #expect(writer.raw == -1)
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = try buffer.withUnsafeMutableBytes { bytes throws(LeptonError) in try reader.read(into: bytes) }
        #expect(String(decoding: buffer[0..<count], as: UTF8.self) == "line\n")
    }
}
