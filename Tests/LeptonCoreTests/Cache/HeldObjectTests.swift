import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A source that writes known blobs, counting fetches; `failing` digests throw.
private final class FakeSource: ObjectSource {
    let blobs: [String: [UInt8]]
    let failing: Set<String>
    private let fetched = Mutex<[String]>([])

    init(_ texts: [String], failing: [String] = []) {
        var blobs: [String: [UInt8]] = [:]
        for text in texts { blobs[ContentHash.of(text: text)] = Array(text.utf8) }
        self.blobs = blobs
        self.failing = Set(failing.map { ContentHash.of(text: $0) })
    }

    var width: Int { 2 }
    var fetches: [String] { fetched.withLock { $0 } }

    func fetch(_ digest: String, to path: String, mode: mode_t) throws(LeptonError) {
        fetched.withLock { $0.append(digest) }
        guard let bytes = blobs[digest], !failing.contains(digest) else {
            throw LeptonError(.cacheMiss, "the fake server lacks \(digest.prefix(12))")
        }
        try PosixFileSystem().writeAtomically(bytes, to: path, mode: mode, durable: false)
    }
}

/// Remote downloads written straight into the workspace and held there (issue 15: a restore
/// writes each downloaded byte once), and the ways a held file stops counting as the object.
struct HeldObjectTests {
    private func file(_ text: String) -> PathDigest { PathDigest(kind: .file, digest: ContentHash.of(text: text)) }

    private func setUp() -> (TemporaryPackage, ArtifactCache, WorkspaceRestorer) {
        let package = TemporaryPackage("held")
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory)
        return (package, cache, WorkspaceRestorer(workspace: package.workspace, cache: cache))
    }

    /// Rewrites a file in place, same size, and puts its modification time back.
    private func editInPlace(_ path: String, _ text: String) {
        let status = PosixFileSystem().status(path)
        let handle = fopen(path, "r+")
        _ = text.withCString { fputs($0, handle) }
        fclose(handle)
        guard let mtime = status?.mtime else { return }
        let time = timespec(tv_sec: Int(mtime / 1_000_000_000), tv_nsec: Int(mtime % 1_000_000_000))
        var times = [time, time]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func aDownloadIsWrittenIntoTheWorkspaceOnceAndHeld() throws {
        let (package, cache, restorer) = setUp()
        let source = FakeSource(["weights v1"])
        let digest = file("weights v1")
        try restorer.restore(["model.bin": digest], stage: "train", source: source, current: { _ in nil })
        #expect(package.read("model.bin") == "weights v1")
        #expect(source.fetches == [digest.digest])
        #expect(!cache.hasStoredObject(digest.digest), "the download was copied into objects/ too")
        #expect(cache.hasObject(digest.digest))
        #expect(cache.heldFile(digest.digest) == package.root + "/model.bin")
        #expect(cache.verifiedBytes(digest.digest) == Array("weights v1".utf8))
    }

    @Test(arguments: [false, true])
    func anInPlaceEditWithTheModificationTimePutBackIsNoLongerTheObject(waitForTick: Bool) throws {
        let (package, cache, restorer) = setUp()
        let digest = file("weights v1")
        try restorer.restore(
            ["model.bin": digest], stage: "train", source: FakeSource(["weights v1"]), current: { _ in nil })
        // Right away the record is racy (hashed); a tick later the status-change time gives it away.
        if waitForTick { usleep(30_000) }
        editInPlace(package.root + "/model.bin", "weights v2")
        #expect(package.read("model.bin") == "weights v2")
        #expect(cache.heldFile(digest.digest) == nil)
        #expect(!cache.hasObject(digest.digest))
        #expect(throws: LeptonError.self) { try cache.restore(digest, to: package.root + "/copy.bin") }
        #expect(!package.exists("copy.bin"))
    }

    @Test func aHeldFileMovedAwayIsNoLongerTheObject() throws {
        let (package, cache, restorer) = setUp()
        let digest = file("weights v1")
        try restorer.restore(
            ["model.bin": digest], stage: "train", source: FakeSource(["weights v1"]), current: { _ in nil })
        try PosixFileSystem().move(package.root + "/model.bin", to: package.root + "/elsewhere.bin")
        #expect(!cache.hasObject(digest.digest))
    }

    @Test func aVerifiedRacyRecordIsTakenAgainSoTheNextLookIsAStat() throws {
        let (package, cache, restorer) = setUp()
        let digest = file("weights v1")
        try restorer.restore(
            ["model.bin": digest], stage: "train", source: FakeSource(["weights v1"]), current: { _ in nil })
        usleep(30_000)
        #expect(cache.heldFile(digest.digest) == package.root + "/model.bin")
        // Now the record is not racy: an edit that keeps every status field is believed (as git
        // believes its index), so this is what shows the record was taken again.
        let record = try PosixFileSystem().read(
            cache.directory + "/held/" + digest.digest.prefix(2) + "/" + digest.digest.dropFirst(2))
        let fields = String(decoding: record, as: UTF8.self).split(separator: "\n")[1].split(separator: " ")
        let ctime = try #require(Int64(fields[4]))
        let recordedAt = try #require(Int64(fields[5]))
        #expect(recordedAt > ctime)
    }

    @Test func takingOverMovesTheFileIntoTheCacheWithoutACopy() throws {
        let (package, cache, restorer) = setUp()
        let digest = file("weights v1")
        try restorer.restore(
            ["model.bin": digest], stage: "train", source: FakeSource(["weights v1"]), current: { _ in nil })
        let inode = PosixFileSystem().status(package.root + "/model.bin")?.inode
        #expect(cache.takeOver(package.root + "/model.bin", digest: digest.digest))
        #expect(!package.exists("model.bin"))
        let stored = try #require(PosixFileSystem().status(cache.objectPath(digest.digest)))
        #expect(stored.inode == inode && stored.mode & 0o222 == 0)
        #expect(cache.hasIntactObject(digest.digest))
        #expect(cache.allHeld().isEmpty)
        #expect(!cache.takeOver(package.root + "/model.bin", digest: digest.digest))
    }

    @Test func restoringAnotherVersionOverAHeldFileKeepsItForGoingBackOffline() throws {
        let (package, cache, restorer) = setUp()
        let source = FakeSource(["weights v1", "weights v2"])
        let hasher = ContentHasher(root: package.root, statCache: StatCache())
        let current: (String) -> PathDigest? = { path in (try? hasher.digest(of: path)) ?? nil }
        try restorer.restore(["model.bin": file("weights v1")], stage: "train", source: source, current: current)
        try restorer.restore(["model.bin": file("weights v2")], stage: "train", source: source, current: current)
        #expect(package.read("model.bin") == "weights v2")
        #expect(cache.hasStoredObject(file("weights v1").digest))
        // Back to v1 with no source at all: from the local cache.
        try restorer.restore(["model.bin": file("weights v1")], stage: "train", current: current)
        #expect(package.read("model.bin") == "weights v1")
        #expect(source.fetches.count == 2)
    }

    @Test func aFailedDownloadLeavesEveryOutputAsItWas() throws {
        let (package, cache, restorer) = setUp()
        package.write("a.bin", "old a")
        package.write("b.bin", "old b")
        let source = FakeSource(["new a", "new b"], failing: ["new b"])
        #expect(throws: LeptonError.self) {
            try restorer.restore(
                ["a.bin": file("new a"), "b.bin": file("new b")], stage: "s", source: source, current: { _ in nil })
        }
        #expect(package.read("a.bin") == "old a" && package.read("b.bin") == "old b")
        let names = try PosixFileSystem().list(package.root).map(\.name).filter { !$0.hasPrefix(".lepton") }.sorted()
        #expect(names == ["a.bin", "b.bin"], "staging files left behind: \(names)")
        #expect(cache.allHeld().isEmpty)
    }

    @Test func theRemoteCacheFetchesStraightIntoTheWorkspaceAndUploadsFromAHeldCopy() throws {
        let (package, cache, restorer) = setUp()
        let store = FakeBlobStore()
        let machine = TemporaryPackage("producer")
        let producer = ArtifactCache(directory: machine.root + "/cache")
        let digest = try producer.storeBytes(Array("trained weights".utf8))
        let entry = RunCacheEntry(
            key: String(repeating: "cd", count: 32), stage: "train",
            outputs: ["model.bin": PathDigest(kind: .file, digest: digest)], created: 1)
        let retry = RetryPolicy(attempts: 2, initialDelay: 0)
        try RemoteCache(store: store, local: producer, uploads: true, retry: retry).upload(entry)
        let remote = RemoteCache(store: store, local: cache, uploads: true, retry: retry)
        let fetch = RemoteFetch(remote: remote, outputs: entry.outputs.values)
        try restorer.restore(entry.outputs, stage: "train", source: fetch, current: { _ in nil })
        #expect(fetch.finish() == 15)
        #expect(package.read("model.bin") == "trained weights")
        #expect(!cache.hasStoredObject(digest) && cache.hasObject(digest))
        #expect(remote.stats.downloadedFiles == 1)
        // Uploading elsewhere reads the cache's own verified copy, made first.
        let other = FakeBlobStore()
        try RemoteCache(store: other, local: cache, uploads: true, retry: retry).upload(entry)
        #expect(other.blob(.cas, digest) == Array("trained weights".utf8))
        #expect(cache.hasStoredObject(digest))
    }

    @Test func aCorruptDownloadNeverReachesTheWorkspace() throws {
        let (package, cache, restorer) = setUp()
        package.write("model.bin", "old")
        let store = FakeBlobStore()
        let digest = ContentHash.of(text: "trained weights")
        store.setBlob(.cas, digest, Array("trained weightz".utf8))
        let remote = RemoteCache(
            store: store, local: cache, uploads: false, retry: RetryPolicy(attempts: 2, initialDelay: 0))
        let fetch = RemoteFetch(remote: remote, outputs: [PathDigest(kind: .file, digest: digest)])
        #expect(throws: LeptonError.self) {
            try restorer.restore(
                ["model.bin": PathDigest(kind: .file, digest: digest)], stage: "train", source: fetch,
                current: { _ in nil })
        }
        #expect(package.read("model.bin") == "old")
        #expect(remote.stats.corruptDownloads == 2)
        let names = try PosixFileSystem().list(package.root).map(\.name).filter { !$0.hasPrefix(".lepton") }
        #expect(names == ["model.bin"])
    }

    @Test func garbageCollectionDropsStaleRecordsAndNeverTheWorkspaceFile() throws {
        let (package, cache, restorer) = setUp()
        try restorer.restore(
            ["model.bin": file("weights v1")], stage: "train", source: FakeSource(["weights v1"]), current: { _ in nil }
        )
        #expect(cache.allHeld().count == 1)
        // No lock, no run entry: nothing needs it.
        _ = try GarbageCollector(workspace: package.workspace).collect(
            keepDays: 30, workspaceOnly: false, dryRun: false)
        #expect(cache.allHeld().isEmpty)
        #expect(package.read("model.bin") == "weights v1")
    }

    @Test func whereTheCacheIsOnAnotherFileSystemAReplacedHeldFileIsCopiedIntoIt() throws {
        let package = TemporaryPackage("held")
        // A rename into objects/ fails as it does when .lepton/cache is a symlink to another file
        // system (renames within objects/, from a temporary beside an object, still work).
        let cacheElsewhere = InterceptingFileSystem { operation in
            guard case .move(let source, let target) = operation, target.contains("/objects/"),
                !source.contains("/objects/")
            else { return nil }
            return LeptonError(.io, "cannot rename '\(source)': Invalid cross-device link")
        }
        let cache = ArtifactCache(directory: package.workspace.cacheDirectory, fileSystem: cacheElsewhere)
        let restorer = WorkspaceRestorer(workspace: package.workspace, cache: cache, fileSystem: cacheElsewhere)
        let source = FakeSource(["weights v1", "weights v2"])
        let hasher = ContentHasher(root: package.root, statCache: StatCache())
        let current: (String) -> PathDigest? = { path in (try? hasher.digest(of: path)) ?? nil }
        try restorer.restore(["model.bin": file("weights v1")], stage: "train", source: source, current: current)
        #expect(!cache.takeOver(package.root + "/model.bin", digest: file("weights v1").digest))
        try restorer.restore(["model.bin": file("weights v2")], stage: "train", source: source, current: current)
        #expect(package.read("model.bin") == "weights v2")
        #expect(cache.hasIntactObject(file("weights v1").digest), "v1 was lost with its held file")
    }
}
