import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// A local cache holding `files`, and its run entry for `key`, pushed to a fake store.
private struct Fixture {
    let package = TemporaryPackage("remote")
    let store = FakeBlobStore()
    let observer = RecordingRemoteObserver()
    var local: ArtifactCache { ArtifactCache(directory: package.root + "/cache") }

    func remote(uploads: Bool = false, attempts: Int = 3, local: ArtifactCache? = nil) -> RemoteCache {
        RemoteCache(
            store: store, local: local ?? self.local, uploads: uploads, width: 4,
            retry: RetryPolicy(attempts: attempts, initialDelay: 0), observer: observer)
    }

    /// Stores files in the local cache and returns an entry of them.
    func entry(_ files: [String: String], key: String = String(repeating: "ab", count: 32)) throws -> RunCacheEntry {
        var outputs: [String: PathDigest] = [:]
        for (path, text) in files {
            outputs[path] = PathDigest(kind: .file, digest: try local.storeBytes(Array(text.utf8)))
        }
        return RunCacheEntry(key: key, stage: "train", outputs: outputs, created: 1)
    }

    /// A second, empty local cache, as on another machine.
    func otherMachine() -> ArtifactCache { ArtifactCache(directory: package.root + "/other") }
}

struct RemoteCacheTests {
    @Test func uploadSendsBlobsBeforeTheEntryAndSkipsBlobsTheServerHas() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["model.bin": "weights", "metrics.json": "{}"])
        try fixture.remote(uploads: true).upload(entry)
        let puts = fixture.store.log.filter { $0.hasPrefix("PUT") }
        #expect(puts.count == 3)
        #expect(puts.last == "PUT ac/\(entry.key)")
        fixture.store.clearLog()
        try fixture.remote(uploads: true).upload(entry)
        #expect(fixture.store.log.filter { $0.hasPrefix("PUT cas") }.isEmpty)
    }

    @Test func readOnlyCachesNeverWrite() throws {
        let fixture = Fixture()
        try fixture.remote(uploads: false).upload(try fixture.entry(["a": "1"]))
        #expect(fixture.store.log.isEmpty)
    }

    @Test func aCompleteEntryIsAHitAndDownloadsVerifiedIntoTheLocalCache() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["model.bin": "weights"])
        try fixture.remote(uploads: true).upload(entry)
        let other = fixture.otherMachine()
        let remote = fixture.remote(local: other)
        let found = try #require(remote.lookup(entry.key))
        #expect(found == entry)
        let bytes = try remote.download(Array(found.outputs.values))
        #expect(bytes == 7)
        #expect(found.outputs.values.allSatisfy(other.contains))
        #expect(remote.stats.hits == 1 && remote.stats.downloadedFiles == 1)
        // Progress: sizes learnt from HEAD give the total; the batch ends with a final report.
        let last = try #require(fixture.observer.progress.last)
        #expect(last.finished && last.direction == .download)
        #expect(last.bytes == 7 && last.totalBytes == 7 && last.files == 1 && last.totalFiles == 1)
    }

    @Test func anEntryWhoseBlobIsMissingIsAMiss() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["a": "1", "b": "2"])
        try fixture.remote(uploads: true).upload(entry)
        fixture.store.setBlob(.cas, try #require(entry.outputs["b"]).digest, nil)
        let remote = fixture.remote(local: fixture.otherMachine())
        #expect(remote.lookup(entry.key) == nil)
        #expect(remote.stats.misses == 1)
    }

    @Test func aDamagedOrMisfiledEntryIsAMissWithAWarning() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["a": "1"])
        let other = String(repeating: "cd", count: 32)
        fixture.store.setBlob(.ac, other, entry.bytes)  // names another key
        fixture.store.setBlob(.ac, entry.key, Array("{not json".utf8))
        let remote = fixture.remote(local: fixture.otherMachine())
        #expect(remote.lookup(other) == nil)
        #expect(remote.lookup(entry.key) == nil)
        #expect(fixture.observer.warnings.count == 2)
    }

    @Test func aCorruptDownloadIsDiscardedReportedAndTriedAgain() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["model.bin": "weights"])
        try fixture.remote(uploads: true).upload(entry)
        fixture.store.inject(.corrupt, matching: "GET cas/")
        fixture.store.inject(.truncate, matching: "GET cas/")
        let other = fixture.otherMachine()
        let remote = fixture.remote(local: other)
        try remote.download(Array(entry.outputs.values))
        #expect(entry.outputs.values.allSatisfy(other.contains))
        #expect(remote.stats.corruptDownloads == 2)
        #expect(fixture.observer.warnings.filter { $0.contains("corrupt or truncated") }.count == 2)
    }

    @Test func aBlobThatStaysCorruptFailsAndLeavesNothingBehind() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["model.bin": "weights"])
        try fixture.remote(uploads: true).upload(entry)
        fixture.store.inject(.corrupt, matching: "GET cas/", count: 10)
        let other = fixture.otherMachine()
        #expect(throws: RemoteError.self) { try fixture.remote(local: other).download(Array(entry.outputs.values)) }
        #expect(other.allObjects().isEmpty)
        let leftovers =
            (try? PosixFileSystem().list(
                other.directory + "/objects/" + String(entry.outputs["model.bin"]!.digest.prefix(2)))) ?? []
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers.map(\.name))")
    }

    @Test func serverErrorsAreRetriedThenSucceed() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["a": "1"])
        fixture.store.inject(.fail(RemoteError(.server, "503")), matching: "PUT", count: 2)
        try fixture.remote(uploads: true, attempts: 3).upload(entry)
        #expect(fixture.store.blob(.ac, entry.key) != nil)
    }

    @Test func anUnreachableServerIsGivenUpOnceWithOneWarning() throws {
        let fixture = Fixture()
        fixture.store.inject(.fail(RemoteError(.unreachable, "connection refused")), count: 100)
        let remote = fixture.remote(attempts: 2)
        #expect(remote.lookup(String(repeating: "ab", count: 32)) == nil)
        #expect(remote.lookup(String(repeating: "cd", count: 32)) == nil)
        #expect(remote.unavailable?.kind == .unreachable)
        #expect(fixture.store.log.count == 2, "the second lookup must not touch the server: \(fixture.store.log)")
        #expect(fixture.observer.warnings.count == 1)
    }

    @Test func refusedUploadsStopUploadingButNotDownloading() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["a": "1"])
        fixture.store.inject(.fail(RemoteError(.denied, "403")), matching: "PUT", count: 100)
        let remote = fixture.remote(uploads: true)
        #expect(throws: RemoteError.self) { try remote.upload(entry) }
        try remote.upload(try fixture.entry(["b": "2"], key: String(repeating: "cd", count: 32)))
        #expect(fixture.store.log.filter { $0.hasPrefix("PUT") }.count == 1)
        #expect(remote.unavailable == nil)
        #expect(fixture.observer.warnings.count == 1)
    }

    @Test(arguments: ["../../escape", "symlink-then-file", "/etc/escape"])
    func folderManifestsThatEscapeTheirFolderAreRefused(how: String) throws {
        let fixture = Fixture()
        let file = try fixture.local.storeBytes(Array("x".utf8))
        let link = try fixture.local.storeBytes(Array("/home/user/.ssh".utf8))
        let manifest =
            how == "symlink-then-file"
            // A symlink entry, then a file under it: restoring would write through the link.
            ? TreeManifest(entries: [
                .init(kind: .symlink, digest: link, path: "evil"),
                .init(kind: .file, digest: file, path: "evil/planted.txt"),
            ])
            : TreeManifest(entries: [.init(kind: .file, digest: file, path: how)])
        let digest = try fixture.local.storeBytes(Array(manifest.text.utf8))
        let entry = RunCacheEntry(
            key: String(repeating: "ef", count: 32), stage: "s",
            outputs: ["out": PathDigest(kind: .folder, digest: digest)], created: 1)
        for blob in [file, link, digest] {
            fixture.store.setBlob(.cas, blob, try PosixFileSystem().read(fixture.local.objectPath(blob)))
        }
        fixture.store.setBlob(.ac, entry.key, entry.bytes)
        #expect(fixture.remote(local: fixture.otherMachine()).lookup(entry.key) == nil)
    }

    @Test func retryDelaysGrowAndStayBounded() {
        let policy = RetryPolicy(attempts: 6, initialDelay: 0.25, maximumDelay: 1)
        #expect((0.1875...0.25).contains(policy.delay(before: 2)))
        #expect((0.375...0.5).contains(policy.delay(before: 3)))
        #expect(policy.delay(before: 6) <= 1)
    }
}

struct RemoteCacheLookupFailureTests {
    @Test func anOddAnswerForOneEntryIsAMissNotAnOutage() throws {
        let fixture = Fixture()
        let entry = try fixture.entry(["a": "1"])
        try fixture.remote(uploads: true).upload(entry)
        fixture.store.inject(.fail(RemoteError(.other, "unexpected answer 418")), matching: "GET ac/")
        let remote = fixture.remote(local: fixture.otherMachine())
        #expect(remote.lookup(entry.key) == nil)
        #expect(remote.unavailable == nil)
        #expect(remote.lookup(entry.key) == entry)
    }
}
