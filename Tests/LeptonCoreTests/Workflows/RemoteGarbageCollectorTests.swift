import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A remote holding four generations of one stage's outputs (each a run-cache entry and a
/// blob), a folder, and tracked data; the package's lock, data file and history reference some.
private struct RemoteFixture {
    let package = TemporaryPackage("remote-gc")
    let store = FakeBlobStore()
    let day = 86_400
    let now = Int(time(nil))

    /// A blob on the remote written `age` days ago; its digest.
    @discardableResult
    func blob(_ text: String, age: Int = 100) -> String {
        let bytes = Array(text.utf8)
        let digest = ContentHash.of(bytes)
        store.setBlob(.cas, digest, bytes)
        store.setModified(.cas, digest, now - age * day)
        return digest
    }

    /// A run-cache entry (and its model blob) on the remote, written `age` days ago.
    func entry(_ name: String, age: Int = 100) -> StageRecord {
        let model = blob("model \(name)", age: age)
        let key = ContentHash.of(Array("key \(name)".utf8))
        let outputs = ["model.bin": PathDigest(kind: .file, digest: model)]
        let entry = RunCacheEntry(key: key, stage: "train", outputs: outputs, created: now - age * day)
        store.setBlob(.ac, key, entry.bytes)
        store.setModified(.ac, key, now - age * day)
        return StageRecord(key: key, command: "train", outputs: outputs)
    }

    func run(_ id: String, started: Int, record: StageRecord) throws {
        let run = RunRecord(
            id: id, started: started, seconds: 1, status: "succeeded", commit: nil, overrides: [:],
            stages: ["train": .init(outcome: "ran", record: record, seconds: 1)], metrics: [:])
        try RunHistory(workspace: package.workspace).record(run)
    }

    func collect(revisions: [String] = [], keepDays: Int = 30, dryRun: Bool = false) throws
        -> RemoteGarbageCollector.Report
    {
        try RemoteGarbageCollector(workspace: package.workspace, store: store)
            .collect(revisions: revisions, keepDays: keepDays, dryRun: dryRun, now: now)
    }
}

struct RemoteGarbageCollectorTests {
    @Test func keepsWhatTheLockDataTagsRecentRunsAndRecentUploadsReferenceAndRemovesTheRest() throws {
        let fixture = RemoteFixture()
        let current = fixture.entry("current")
        let tagged = fixture.entry("tagged")
        let recentRun = fixture.entry("recent-run")
        let oldRun = fixture.entry("old-run")
        let teammate = fixture.entry("teammate", age: 2)
        let orphan = fixture.entry("orphan")
        let fresh = fixture.blob("uploaded an hour ago", age: 0)
        // A folder output in the lock: its manifest and files are kept (the manifest only on the remote).
        let fileA = fixture.blob("a")
        let fileB = fixture.blob("b")
        let manifest = TreeManifest(entries: [
            .init(kind: .file, digest: fileA, path: "a.txt"), .init(kind: .file, digest: fileB, path: "b.txt"),
        ])
        let folder = fixture.blob(manifest.text)
        var lock = LockFile()
        lock.stages["train"] = current
        lock.stages["features"] = StageRecord(
            key: ContentHash.of(Array("features".utf8)), command: "f",
            outputs: ["features": PathDigest(kind: .folder, digest: folder)])
        fixture.package.write(LockFile.fileName, lock.text)
        let raw = fixture.blob("raw data")
        try TrackedData(entries: [
            "data/raw.csv": .init(digest: PathDigest(kind: .file, digest: raw), size: 8, files: 1)
        ])
        .save(fixture.package.workspace)
        try fixture.run("20260101-000000-000", started: fixture.now - 200 * fixture.day, record: tagged)
        try RunHistory(workspace: fixture.package.workspace).tag("best", run: "20260101-000000-000")
        try fixture.run("20261120-000000-000", started: fixture.now - 10 * fixture.day, record: recentRun)
        try fixture.run("20260601-000000-000", started: fixture.now - 150 * fixture.day, record: oldRun)
        let before = fixture.store.keys

        let preview = try fixture.collect(dryRun: true)
        #expect(fixture.store.keys == before, "a dry run removes nothing")
        #expect(preview.removedEntries.sorted() == [oldRun.key, orphan.key].sorted())
        let removedModels = [oldRun, orphan].map { $0.outputs["model.bin"]?.digest ?? "" }
        #expect(preview.removedObjects.sorted() == removedModels.sorted())

        fixture.store.clearLog()
        let report = try fixture.collect()
        #expect(report == preview)
        let kept = Set(fixture.store.keys)
        for record in [current, tagged, recentRun, teammate] {
            #expect(
                kept.contains("ac/\(record.key)") && kept.contains("cas/\(record.outputs["model.bin"]?.digest ?? "")"))
        }
        for digest in [fresh, fileA, fileB, folder, raw] { #expect(kept.contains("cas/\(digest)")) }
        #expect(kept.count == before.count - 4)
        // Entries go first, so no entry is ever left pointing at a removed blob.
        let deletions = fixture.store.log.filter { $0.hasPrefix("DELETE") }
        #expect(deletions.count == 4 && deletions.prefix(2).allSatisfy { $0.hasPrefix("DELETE ac/") }, "\(deletions)")
        // With --keep-days 0, only the lock, data and tags keep anything.
        let tight = try fixture.collect(keepDays: 0)
        #expect(Set(tight.removedEntries) == [recentRun.key, teammate.key])
        #expect(tight.removedObjects.contains(fresh) && !tight.removedObjects.contains(raw))
    }

    @Test func aServerThatCannotListOrARevisionThatIsNotOneRemovesNothing() throws {
        let fixture = RemoteFixture()
        _ = fixture.entry("orphan")
        let before = fixture.store.keys
        fixture.store.inject(.fail(RemoteError(.other, "the server cannot list")), matching: "LIST cas/")
        #expect(throws: LeptonError.self) { try fixture.collect() }
        #expect(fixture.store.keys == before)
        #expect(throws: LeptonError.self) { try fixture.collect(revisions: ["no-such-revision"]) }
        #expect(fixture.store.keys == before)
    }
}
