import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

struct ArtifactCacheTests {
    @Test func aDamagedObjectIsNeverRestored() throws {
        let package = TemporaryPackage()
        package.write("model.bin", "weights")
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        let digest = ContentHash.of(text: "weights")
        try cache.storeFile(package.root + "/model.bin", digest: digest)
        PosixFileSystem().setMode(cache.objectPath(digest), 0o644)
        try PosixFileSystem().writeAtomically("tampered", to: cache.objectPath(digest))
        package.write("model.bin", "current")
        #expect(throws: LeptonError.self) {
            try cache.restore(PathDigest(kind: .file, digest: digest), to: package.root + "/model.bin")
        }
        #expect(package.read("model.bin") == "current")
    }

    @Test func aFolderRoundTripsThroughTheCache() throws {
        let package = TemporaryPackage()
        package.write("out/a.txt", "a")
        package.write("out/sub/b.txt", "b")
        let hasher = ContentHasher(root: package.root, statCache: StatCache())
        let digest = try #require(try hasher.digest(of: "out"))
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        try cache.storeOutput(at: package.root + "/out", digest: digest, manifest: try hasher.manifest(ofFolder: "out"))
        package.remove("out")
        #expect(cache.contains(digest))
        try cache.restore(digest, to: package.root + "/out")
        #expect(package.read("out/sub/b.txt") == "b")
        #expect(try ContentHasher(root: package.root, statCache: StatCache()).digest(of: "out") == digest)
    }

    @Test func cacheObjectsAreReadOnly() throws {
        let package = TemporaryPackage()
        package.write("f", "x")
        let cache = ArtifactCache(directory: package.root + "/c")
        try cache.storeFile(package.root + "/f", digest: ContentHash.of(text: "x"))
        let status = try #require(PosixFileSystem().status(cache.objectPath(ContentHash.of(text: "x"))))
        #expect(status.mode & 0o222 == 0)
    }
}
