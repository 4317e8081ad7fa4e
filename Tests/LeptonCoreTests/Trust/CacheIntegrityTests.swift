import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A damaged cache object never costs the user the only intact copy.
struct CacheIntegrityTests {
    private func damage(_ cache: ArtifactCache, _ digest: String, with text: String = "torn") throws {
        let path = cache.objectPath(digest)
        chmod(path, 0o644)
        try PosixFileSystem().writeAtomically(Array(text.utf8), to: path)
    }

    @Test func storingReplacesAnObjectThatDoesNotHashToItsName() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        package.write("model.bin", "weights\n")
        let digest = ContentHash.of(text: "weights\n")
        try cache.storeFile(package.root + "/model.bin", digest: digest)
        try damage(cache, digest)
        // Before the fix the name alone counted: the torn object stayed and the workspace copy
        // was removed next by clean or a rerun.
        try cache.storeFile(package.root + "/model.bin", digest: digest)
        #expect(try ContentHash.ofFile(cache.objectPath(digest)) == digest)
    }

    @Test func aRestoreThatFindsADamagedObjectRemovesIt() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let digest = try cache.storeBytes(Array("content\n".utf8))
        try damage(cache, digest)
        #expect(throws: LeptonError.self) {
            try cache.restore(PathDigest(kind: .file, digest: digest), to: package.root + "/out.txt")
        }
        #expect(!cache.hasObject(digest))
        #expect(!package.exists("out.txt"))
    }

    @Test func aRerunOverADamagedObjectKeepsTheOutputRecoverable() throws {
        let harness = EngineHarness(stages: [stage("make", inputs: ["in.txt"], outputs: ["out.txt"])])
        let package = harness.package
        package.write("in.txt", "1\n")
        harness.runner.on("make", harness.transforms("in.txt", to: "out.txt") { "out of " + $0 })
        try harness.build()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let digest = ContentHash.of(text: "out of 1\n")
        try damage(cache, digest)
        package.write("in.txt", "2\n")
        try harness.build()
        // The rerun stored the previous output before removing it: intact again.
        #expect(try ContentHash.ofFile(cache.objectPath(digest)) == digest)
    }

    @Test func garbageCollectionRemovesDamagedObjectsAndTheEntriesNeedingThem() throws {
        let harness = EngineHarness(stages: [stage("make", inputs: ["in.txt"], outputs: ["out.txt"])])
        let package = harness.package
        package.write("in.txt", "1\n")
        harness.runner.on("make", harness.transforms("in.txt", to: "out.txt") { "out of " + $0 })
        try harness.build()
        package.write("in.txt", "2\n")
        try harness.build()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let old = ContentHash.of(text: "out of 1\n")
        let current = ContentHash.of(text: "out of 2\n")
        try damage(cache, old)
        let collector = GarbageCollector(workspace: package.workspace)
        let dry = try collector.collect(keepDays: 30, workspaceOnly: false, dryRun: true)
        #expect(dry.damagedObjects == 1)
        #expect(cache.hasObject(old))
        let report = try collector.collect(keepDays: 30, workspaceOnly: false, dryRun: false)
        #expect(report.damagedObjects == 1)
        #expect(report.droppedRunEntries == 1)  // the first run's entry needed the damaged object
        #expect(!cache.hasObject(old))
        #expect(cache.hasIntactObject(current))
        // Reverting now runs the stage instead of failing on the damaged object.
        package.write("in.txt", "1\n")
        #expect(try harness.ranStages() == ["make"])
    }
}
