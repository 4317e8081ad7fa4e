import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Every write into the workspace goes through one confined path (issue: the cache never lies).
struct ConfinedWriteTests {
    private func digest(_ text: String) -> String { ContentHash.of(text: text) }

    @Test(arguments: [
        "f DIGEST ../../../../x\n",
        "f DIGEST /tmp/x\n",
        "l LINK evil\nf DIGEST evil/planted.txt\n",
        "f DIGEST a\nf DIGEST a/b\n",
        "f DIGEST a/./b\n",
    ])
    func unsafeLocalManifestsAreRefusedBeforeAnyByteIsWritten(template: String) throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let payload = try cache.storeBytes(Array("planted\n".utf8))
        let link = try cache.storeBytes(Array(package.root.utf8))
        let text = template.replacingAll("DIGEST", with: payload).replacingAll("LINK", with: link)
        let manifest = try cache.storeBytes(Array(text.utf8))
        #expect(cache.manifest(manifest) == nil)
        let restorer = WorkspaceRestorer(workspace: package.workspace, cache: cache)
        #expect(throws: LeptonError.self) {
            try restorer.restore(
                ["out": PathDigest(kind: .folder, digest: manifest)], stage: "s", current: { _ in nil })
        }
        #expect(!package.exists("out"))
        #expect(!PosixFileSystem().exists(package.root + "/../x"))
        #expect(!PosixFileSystem().exists(package.root + "/planted.txt"))
    }

    @Test func aRecordedPathThatClimbsOutIsRefused() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let object = try cache.storeBytes(Array("x\n".utf8))
        let restorer = WorkspaceRestorer(workspace: package.workspace, cache: cache)
        for path in ["../escaped.txt", "/tmp/escaped.txt", "a/../../escaped.txt"] {
            #expect(throws: LeptonError.self) {
                try restorer.restore([path: PathDigest(kind: .file, digest: object)], stage: "s", current: { _ in nil })
            }
        }
        #expect(!PosixFileSystem().exists(package.root + "/../escaped.txt"))
    }

    @Test func checkoutDoesNotWriteThroughASymlinkLeavingThePackage() throws {
        let package = TemporaryPackage()
        let outside = TemporaryPackage("outside")
        symlink(outside.root, package.root + "/models")
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        let object = try cache.storeBytes(Array("model\n".utf8))
        var record = StageRecord(command: "c")
        record.outputs["models/model.bin"] = PathDigest(kind: .file, digest: object)
        let checkout = OutputCheckout(workspace: package.workspace, cache: cache)
        #expect(throws: LeptonError.self) { _ = try checkout.plan(["train": record]) }
        #expect(!outside.exists("model.bin"))
    }

    @Test func aDamagedObjectChangesNothingAtCheckout() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        package.write("a.txt", "old a\n")
        package.write("b.txt", "old b\n")
        let goodA = try cache.storeBytes(Array("new a\n".utf8))
        let damagedB = try cache.storeBytes(Array("new b\n".utf8))
        let path = cache.objectPath(damagedB)
        chmod(path, 0o644)
        try PosixFileSystem().writeAtomically(Array("torn".utf8), to: path)
        var record = StageRecord(command: "c")
        record.outputs["a.txt"] = PathDigest(kind: .file, digest: goodA)
        record.outputs["b.txt"] = PathDigest(kind: .file, digest: damagedB)
        let checkout = OutputCheckout(workspace: package.workspace, cache: cache)
        let plan = try checkout.plan(["s": record])
        #expect(plan.changes.count == 2)
        #expect(throws: LeptonError.self) { try checkout.apply(plan.changes, records: ["s": record]) }
        #expect(package.read("a.txt") == "old a\n")
        #expect(package.read("b.txt") == "old b\n")
        #expect(!cache.hasObject(damagedB))
    }

    @Test func cleanNeverRemovesAnythingOutsideThePackage() throws {
        let package = TemporaryPackage()
        let outside = TemporaryPackage("outside")
        outside.write("precious.txt", "mine\n")
        symlink(outside.root, package.root + "/linked")
        let digest = PathDigest(kind: .file, digest: ContentHash.of(text: "mine\n"))
        for path in ["linked/precious.txt", "../precious.txt", "/tmp/precious.txt"] {
            var record = StageRecord(key: ContentHash.of(text: "k"), command: "c")
            record.outputs[path] = digest
            try PosixFileSystem().writeAtomically(LockFile(stages: ["s": record]).text, to: package.workspace.lockFile)
            #expect(throws: LeptonError.self) { _ = try OutputCleaner(workspace: package.workspace).plan(stages: []) }
        }
        #expect(outside.read("precious.txt") == "mine\n")
    }

    @Test func cleanStoresOverADamagedObjectBeforeRemoving() throws {
        let harness = EngineHarness(stages: [stage("make", outputs: ["out.txt"])])
        harness.runner.on("make", harness.writes("out.txt") { "only copy\n" })
        try harness.build()
        let cache = ArtifactCache(directory: harness.package.workspace.cacheDirectory)
        let digest = ContentHash.of(text: "only copy\n")
        chmod(cache.objectPath(digest), 0o644)
        try PosixFileSystem().writeAtomically(Array("torn".utf8), to: cache.objectPath(digest))
        let cleaner = OutputCleaner(workspace: harness.package.workspace)
        let removed = try cleaner.apply(try cleaner.plan(stages: []))
        #expect(removed.map(\.path) == ["out.txt"])
        #expect(try ContentHash.ofFile(cache.objectPath(digest)) == digest)
        #expect(try harness.ranStages() == [])  // restored, not rerun
        #expect(harness.package.read("out.txt") == "only copy\n")
    }

    @Test func restoredFilesKeepTheirRecordedMode() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        package.write("secret.txt", "s3cret\n")
        chmod(package.root + "/secret.txt", 0o600)
        let hasher = ContentHasher(root: package.root, statCache: StatCache())
        let digest = try #require(try hasher.digest(of: "secret.txt"))
        #expect(digest.mode == 0o600)
        try cache.storeOutput(at: package.root + "/secret.txt", digest: digest, manifest: nil)
        package.remove("secret.txt")
        // Through the lock's JSON, as a later build would read it.
        var record = StageRecord(key: ContentHash.of(text: "k"), command: "c")
        record.outputs["secret.txt"] = digest
        let lock = LockFile(stages: ["s": record])
        let reread = try LockFile(bytes: Array(lock.text.utf8), path: "Lepton.lock")
        try cache.restore(try #require(reread.stages["s"]?.outputs["secret.txt"]), to: package.root + "/secret.txt")
        #expect(PosixFileSystem().status(package.root + "/secret.txt")?.mode == 0o600)
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
