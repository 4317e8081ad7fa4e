import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

struct HashingTests {
    @Test func aFileIsHashedOnceAndThenServedFromTheStatCache() throws {
        let package = TemporaryPackage()
        package.write("big.bin", String(repeating: "x", count: 100_000))
        let clock = ManualClock()
        clock.set(Int64.max / 2)  // far after the file's mtime: not racy
        let cache = StatCache()
        let hasher = ContentHasher(root: package.root, statCache: cache, clock: clock)
        let first = try hasher.digest(of: "big.bin")
        #expect(cache.isDirty)
        let status = try #require(PosixFileSystem().status(package.root + "/big.bin"))
        #expect(cache.digest(for: "big.bin", status: status) == first?.digest)
        #expect(first?.digest == ContentHash.of(text: String(repeating: "x", count: 100_000)))
        // The second read comes from the stat cache, not the file: seeded with a digest the
        // content does not have, the hasher returns that digest.
        let seeded = ContentHash.of(text: "not the content")
        cache.record("big.bin", status: status, digest: seeded, recordedAt: clock.fileTimeNow())
        #expect(try hasher.digest(of: "big.bin")?.digest == seeded)
    }

    @Test func aFileRecordedWithinItsOwnTimestampTickIsRacyAndHashedAgain() throws {
        let package = TemporaryPackage()
        package.write("f.txt", "a")
        let status = try #require(PosixFileSystem().status(package.root + "/f.txt"))
        let cache = StatCache()
        cache.record("f.txt", status: status, digest: ContentHash.of(text: "a"), recordedAt: status.mtime)
        #expect(cache.digest(for: "f.txt", status: status) == nil)
        cache.record(
            "f.txt", status: status, digest: ContentHash.of(text: "a"), recordedAt: status.mtime + 5_000_000_000)
        #expect(cache.digest(for: "f.txt", status: status) != nil)
    }

    @Test func theStatCacheSurvivesASaveAndLoad() throws {
        let package = TemporaryPackage()
        package.write("f.txt", "a")
        let status = try #require(PosixFileSystem().status(package.root + "/f.txt"))
        let cache = StatCache()
        cache.record(
            "f.txt", status: status, digest: ContentHash.of(text: "a"), recordedAt: status.mtime + 5_000_000_000)
        try cache.save(to: package.root + "/stat-cache")
        let loaded = StatCache.load(from: package.root + "/stat-cache")
        #expect(loaded.digest(for: "f.txt", status: status) == ContentHash.of(text: "a"))
        package.write("stat-cache", "# lepton stat cache v0\ngarbage")
        #expect(StatCache.load(from: package.root + "/stat-cache").digest(for: "f.txt", status: status) == nil)
    }

    /// A build that learnt a few digests appends them instead of rewriting the whole cache; a
    /// later entry of a path wins, and an append a crash cut short is compacted away.
    @Test func fewUpdatesAreAppendedAndATornAppendIsCompacted() throws {
        let package = TemporaryPackage()
        let file = package.root + "/stat-cache"
        let fileSystem = PosixFileSystem()
        var statuses: [String: FileStatus] = [:]
        let cache = StatCache()
        for index in 0..<100 {
            package.write("f\(index).txt", "\(index)")
            let status = try #require(fileSystem.status(package.root + "/f\(index).txt"))
            statuses["f\(index).txt"] = status
            cache.record(
                "f\(index).txt", status: status, digest: ContentHash.of(text: "\(index)"),
                recordedAt: status.mtime + 5_000_000_000)
        }
        try cache.save(to: file)
        let size = try #require(fileSystem.status(file)).size

        package.write("f7.txt", "seven")
        let seven = try #require(fileSystem.status(package.root + "/f7.txt"))
        let loaded = StatCache.load(from: file)
        loaded.record(
            "f7.txt", status: seven, digest: ContentHash.of(text: "seven"), recordedAt: seven.mtime + 5_000_000_000)
        try loaded.saveUpdates(to: file)
        let appended = try #require(fileSystem.status(file)).size
        #expect(appended > size && appended < size + 200, "one entry appended: \(size) -> \(appended)")
        let again = StatCache.load(from: file)
        #expect(again.digest(for: "f7.txt", status: seven) == ContentHash.of(text: "seven"))
        #expect(again.digest(for: "f8.txt", status: try #require(statuses["f8.txt"])) == ContentHash.of(text: "8"))

        // A torn append: the entries before it still load, and the next save rewrites the file.
        let bytes = try fileSystem.read(file)
        try fileSystem.writeAtomically(Array(bytes.dropLast(10)), to: file)
        let torn = StatCache.load(from: file)
        #expect(torn.digest(for: "f8.txt", status: try #require(statuses["f8.txt"])) == ContentHash.of(text: "8"))
        #expect(torn.digest(for: "f7.txt", status: seven) == nil)
        torn.record(
            "f7.txt", status: seven, digest: ContentHash.of(text: "seven"), recordedAt: seven.mtime + 5_000_000_000)
        try torn.saveUpdates(to: file)
        #expect(try #require(fileSystem.status(file)).size < appended, "compacted")
        #expect(StatCache.load(from: file).digest(for: "f7.txt", status: seven) == ContentHash.of(text: "seven"))
    }

    /// The loaded file is looked up entry by entry through a table of offsets: it must answer
    /// exactly as a dictionary of its entries would (the latest entry of a path wins), for paths
    /// it holds, paths it does not and paths that differ by a byte, through appends and a
    /// rewrite that keeps only some paths.
    @Test func aLoadedCacheAnswersAsADictionaryOfItsEntries() throws {
        let package = TemporaryPackage()
        let file = package.root + "/stat-cache"
        var generator = SystemRandomNumberGenerator()
        var expected: [String: (FileStatus, String)] = [:]
        func status(_ inode: Int) -> FileStatus {
            FileStatus(kind: .file, device: 1, inode: UInt64(inode), size: 3, mtime: 4, ctime: 5, mode: 0o644)
        }
        func record(_ cache: StatCache, _ path: String, _ inode: Int) {
            let digest = ContentHash.of(text: "\(path) \(inode)")
            cache.record(path, status: status(inode), digest: digest, recordedAt: 10_000_000_000)
            expected[path] = (status(inode), digest)
        }
        let first = StatCache()
        for index in 0..<3_000 { record(first, "in/s\(index % 1_000)_\(index / 1_000).txt", index) }
        try first.save(to: file)
        // A few appended updates of paths already there, and of new ones.
        let second = StatCache.load(from: file)
        for index in 0..<20 {
            let path = Int.random(in: 0..<2, using: &generator) == 0 ? "in/s\(index)_0.txt" : "new/\(index)"
            record(second, path, 10_000 + index)
        }
        try second.saveUpdates(to: file)
        func check(_ cache: StatCache, kept: (String) -> Bool) {
            for (path, (entryStatus, digest)) in expected {
                #expect(cache.digest(for: path, status: entryStatus) == (kept(path) ? digest : nil), "\(path)")
                #expect(cache.digest(for: path + "x", status: entryStatus) == nil)
                #expect(cache.digest(for: String(path.dropLast()), status: entryStatus) == nil)
            }
        }
        check(StatCache.load(from: file)) { _ in true }
        // A rewrite copies the entries it keeps as they were written.
        try StatCache.load(from: file).save(to: file) { !$0.hasSuffix("_2.txt") }
        check(StatCache.load(from: file)) { !$0.hasSuffix("_2.txt") }
    }

    @Test func aFolderDigestIsAMerkleTreeOfItsFiles() throws {
        let package = TemporaryPackage()
        package.write("d/a.txt", "a")
        package.write("d/sub/b.txt", "b")
        let hasher = ContentHasher(root: package.root, statCache: StatCache())
        let manifest = try hasher.manifest(ofFolder: "d")
        #expect(manifest.entries.map(\.path) == ["a.txt", "sub/b.txt"])
        let before = try #require(try hasher.digest(of: "d"))
        #expect(before.kind == .folder)
        package.write("d/sub/b.txt", "B")
        #expect(try hasher.digest(of: "d") != before)
        #expect(TreeManifest(text: manifest.text) == manifest)
    }

    @Test(arguments: [
        ("data/*.csv", "data/a.csv", true), ("data/*.csv", "data/x/a.csv", false), ("**/*.csv", "a/b/c.csv", true),
        ("**/*.csv", "c.csv", true), ("data/?.csv", "data/ab.csv", false), ("data/[ab].csv", "data/b.csv", true),
    ])
    func globPatternsMatchLikeFnmatchWithDoubleStar(pattern: String, path: String, expected: Bool) {
        #expect(Glob.matches(path, pattern: pattern) == expected)
    }

    @Test func aGlobExpandsToSortedFiles() {
        let package = TemporaryPackage()
        for path in ["data/b.csv", "data/a.csv", "data/x/c.csv", "data/skip.txt"] { package.write(path, path) }
        #expect(Glob(root: package.root).files(matching: "data/*.csv") == ["data/a.csv", "data/b.csv"])
        #expect(
            Glob(root: package.root).files(matching: "data/**/*.csv") == ["data/a.csv", "data/b.csv", "data/x/c.csv"])
    }

    @Test func stageKeysChangeWithEachIngredient() {
        let base = StageRecord.computeKey(
            command: "c", inputs: ["a": "1"], code: [:], params: ["p": "1"], environment: [:], outputPaths: ["o"])
        #expect(
            base
                != StageRecord.computeKey(
                    command: "d", inputs: ["a": "1"], code: [:], params: ["p": "1"], environment: [:],
                    outputPaths: ["o"]))
        #expect(
            base
                != StageRecord.computeKey(
                    command: "c", inputs: ["a": "2"], code: [:], params: ["p": "1"], environment: [:],
                    outputPaths: ["o"]))
        #expect(
            base
                != StageRecord.computeKey(
                    command: "c", inputs: ["a": "1"], code: [:], params: ["p": "2"], environment: [:],
                    outputPaths: ["o"]))
        #expect(
            base
                != StageRecord.computeKey(
                    command: "c", inputs: ["a": "1"], code: [:], params: ["p": "1"], environment: ["E": "x"],
                    outputPaths: ["o"]))
        #expect(
            base
                != StageRecord.computeKey(
                    command: "c", inputs: ["a": "1"], code: [:], params: ["p": "1"], environment: [:],
                    outputPaths: ["o2"]))
        #expect(
            base
                == StageRecord.computeKey(
                    command: "c", inputs: ["a": "1"], code: [:], params: ["p": "1"], environment: [:],
                    outputPaths: ["o"]))
    }
}
