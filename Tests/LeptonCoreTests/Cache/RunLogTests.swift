import Dispatch
import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// The run-cache entries in one append-only file (`.lepton/cache/runs.log`): what every writer
/// and reader of the run cache relies on, through ``ArtifactCache``'s own calls.
struct RunLogTests {
    private static func key(_ name: String) -> String { ContentHash.of(text: "key " + name) }

    private static func entry(_ name: String, output: String = "o", created: Int = 1) -> RunCacheEntry {
        RunCacheEntry(
            key: key(name), stage: name,
            outputs: ["out/\(name).txt": PathDigest(kind: .file, digest: ContentHash.of(text: output))],
            created: created)
    }

    private let log = ".lepton/cache/runs.log"

    @Test func aColdBuildWritesOneLogAndNoFilePerEntry() throws {
        let harness = EngineHarness(stages: (0..<3).map { stage("s\($0)", outputs: ["out/s\($0).txt"]) })
        for index in 0..<3 { harness.runner.on("s\(index)", harness.writes("out/s\(index).txt") { "\(index)" }) }
        try harness.build()
        #expect(!PosixFileSystem().exists(harness.package.root + "/.lepton/cache/runs"))
        #expect((harness.package.read(log) ?? "").split(separator: "\n").count == 3)
    }

    @Test func anEntryWrittenByOneCacheIsFoundByAnotherThatAlreadyReadTheLog() throws {
        let package = TemporaryPackage()
        let first = ArtifactCache(directory: package.root + "/.lepton/cache")
        let second = ArtifactCache(directory: package.root + "/.lepton/cache")
        try first.writeRunEntry(Self.entry("a"))
        #expect(second.runEntry(for: Self.key("a")) == Self.entry("a"))
        try second.writeRunEntry(Self.entry("b"))
        #expect(first.runEntry(for: Self.key("b")) == Self.entry("b"))
        #expect(first.runEntry(for: Self.key("c")) == nil)
        #expect(!first.hasRunEntryFile(for: Self.key("c")))
    }

    @Test func aTornLastLineIsIgnoredAndTheNextAppendStartsAFreshLine() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        try cache.writeRunEntry(Self.entry("a"))
        // A kill in the middle of an append: a line without its end.
        package.write(log, (package.read(log) ?? "") + "\(Self.key("torn")) {\"version\":1,\"ke")
        try cache.writeRunEntry(Self.entry("b"))
        let fresh = ArtifactCache(directory: package.root + "/.lepton/cache")
        #expect(fresh.runEntry(for: Self.key("a")) == Self.entry("a"))
        #expect(fresh.runEntry(for: Self.key("b")) == Self.entry("b"))
        #expect(fresh.runEntry(for: Self.key("torn")) == nil)
        // Listed as damaged (no stage, no outputs), so `cache gc` drops it.
        let listed = fresh.allRunEntries()
        #expect(listed.filter { !$0.outputs.isEmpty }.map(\.key).sorted() == [Self.key("a"), Self.key("b")].sorted())
        #expect(listed.filter { $0.outputs.isEmpty }.map(\.key) == [Self.key("torn")])
    }

    @Test func theLatestLineOfAKeyWinsEvenWhenItIsDamaged() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        try cache.writeRunEntry(Self.entry("a", output: "first"))
        try cache.writeRunEntry(Self.entry("a", output: "second"))
        #expect(cache.runEntry(for: Self.key("a")) == Self.entry("a", output: "second"))
        package.write(log, (package.read(log) ?? "") + "\(Self.key("a")) {torn\n")
        let fresh = ArtifactCache(directory: package.root + "/.lepton/cache")
        #expect(fresh.runEntry(for: Self.key("a")) == nil)
        #expect(fresh.hasRunEntryFile(for: Self.key("a")))
        // An entry stored under another key is never trusted.
        package.write(
            log,
            (package.read(log) ?? "")
                + "\(Self.key("b")) \(String(decoding: Self.entry("c").bytes, as: UTF8.self).split(separator: "\n").joined())\n"
        )
        #expect(fresh.runEntry(for: Self.key("b")) == nil)
        // A rerun appends a new intact line, which wins again.
        try cache.writeRunEntry(Self.entry("a", output: "third"))
        #expect(fresh.runEntry(for: Self.key("a")) == Self.entry("a", output: "third"))
    }

    @Test func removingRewritesTheLogOnceAndEveryCacheSeesIt() throws {
        let package = TemporaryPackage()
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        for name in ["a", "b", "c"] { try cache.writeRunEntry(Self.entry(name)) }
        try cache.writeRunEntry(Self.entry("a", output: "again"))
        let reader = ArtifactCache(directory: package.root + "/.lepton/cache")
        #expect(reader.runEntry(for: Self.key("b")) == Self.entry("b"))
        try cache.removeRunEntries([Self.key("b")])
        #expect(reader.runEntry(for: Self.key("b")) == nil)
        #expect(reader.runEntry(for: Self.key("a")) == Self.entry("a", output: "again"))
        #expect(reader.runEntry(for: Self.key("c")) == Self.entry("c"))
        // Superseded and removed lines are gone from the file.
        #expect(
            (package.read(log) ?? "").split(separator: "\n").map { String($0.prefix(64)) }.sorted()
                == [Self.key("a"), Self.key("c")].sorted())
        try cache.writeRunEntry(Self.entry("d"))
        #expect(reader.runEntry(for: Self.key("d")) == Self.entry("d"))
    }

    @Test func concurrentAppendsAllLand() throws {
        let package = TemporaryPackage()
        let directory = package.root + "/.lepton/cache"
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let cache = ArtifactCache(directory: directory)
            for index in 0..<40 { try? cache.writeRunEntry(Self.entry("t\(thread)-\(index)")) }
        }
        let cache = ArtifactCache(directory: directory)
        #expect(cache.allRunEntries().count == 320)
        for thread in 0..<8 {
            for index in 0..<40 {
                #expect(cache.runEntry(for: Self.key("t\(thread)-\(index)")) == Self.entry("t\(thread)-\(index)"))
            }
        }
    }

    @Test func entryFilesOfAnOlderCacheAreStillReadListedAndRemoved() throws {
        let package = TemporaryPackage()
        let key = Self.key("old")
        package.write(
            ".lepton/cache/runs/\(key.prefix(2))/\(key.dropFirst(2)).json",
            String(decoding: Self.entry("old").bytes, as: UTF8.self))
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        #expect(cache.runEntry(for: key) == Self.entry("old"))
        try cache.writeRunEntry(Self.entry("new"))
        #expect(cache.allRunEntries().map(\.key).sorted() == [key, Self.key("new")].sorted())
        try cache.removeRunEntries([key])
        #expect(cache.runEntry(for: key) == nil)
        #expect(!cache.hasRunEntryFile(for: key))
        #expect(cache.runEntry(for: Self.key("new")) == Self.entry("new"))
    }
}
