import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

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
        let fileSystem = InterceptingFileSystem()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory, fileSystem: fileSystem)
        let digest = ContentHash.of(text: "weights")
        // A full disk: writes and renames fail.
        fileSystem.refuse.withLock {
            $0 = { operation in
                switch operation {
                case .write(let path): LeptonError.io("cannot write '\(path)'", .noSpace)
                case .move(let source, _): LeptonError.io("cannot move '\(source)'", .noSpace)
                }
            }
        }
        do {
            try cache.storeFile(package.root + "/model.bin", digest: digest)
            Issue.record("the store succeeded on a full disk")
        } catch {
            #expect(error.errno == .noSpace)
            #expect(error.message.contains("No space left on device"))
        }
        #expect(!cache.contains(PathDigest(kind: .file, digest: digest)))
        #expect(temporaries(under: package.root).isEmpty)
        fileSystem.refuse.withLock { $0 = nil }
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
