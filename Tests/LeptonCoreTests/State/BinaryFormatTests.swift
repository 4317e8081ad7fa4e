import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// Lepton's private binary files must round-trip, and a damaged file must be ignored (or, for
/// the stat cache, read up to the damage), never misread.
struct BinaryFormatTests {
    private let status = FileStatus(kind: .file, device: 1, inode: 2, size: 3, mtime: 4, ctime: 5, mode: 0o644)

    @Test func theNoOpSnapshotRoundTripsAndRejectsEveryTruncation() throws {
        let snapshot = NoOpSnapshot(
            context: "ctx", environmentNames: ["A", "B"], stageCount: 7,
            entries: [
                ("a.txt", status),
                ("dir", FileStatus(kind: .directory, device: 1, inode: 9, size: 0, mtime: 1, ctime: 1, mode: 0o755)),
            ])
        let bytes = snapshot.bytes
        #expect(NoOpSnapshot(bytes: bytes) == snapshot)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(NoOpSnapshot(bytes: Array(bytes.prefix(length))) == nil)
        }
    }

    @Test func theDescriptionCacheRoundTripsAndRejectsDamageOrAnotherKey() throws {
        let pipeline = PipelineDescription(
            name: "p", paramsFile: "params.yaml",
            stages: [
                StageDescription(
                    name: "train", command: .exec(["python3", "t.py"]),
                    inputs: [PathSpec(kind: .glob, path: "d/*.csv")],
                    code: [PathSpec(kind: .target, path: "Train")],
                    params: [
                        ParameterSpec(key: "lr"), ParameterSpec(key: "seed", inline: "42"),
                        ParameterSpec(key: "b", file: "o.json"),
                    ],
                    environment: ["OMP"], outputs: [PathSpec(kind: .folder, path: "m")], metrics: ["m.json"],
                    after: ["prep"]),
                StageDescription(name: "prep", command: .shell("echo"), outputs: [PathSpec(kind: .path, path: "x")]),
            ])
        let bytes = pipeline.binary(key: "k1")
        #expect(PipelineDescription(binary: bytes, key: "k1") == pipeline)
        #expect(PipelineDescription(binary: bytes, key: "k2") == nil)
        for length in stride(from: 0, to: bytes.count, by: 5) {
            #expect(PipelineDescription(binary: Array(bytes.prefix(length)), key: "k1") == nil)
        }
    }

    @Test func aTruncatedStatCacheKeepsTheEntriesBeforeTheDamage() throws {
        let package = TemporaryPackage()
        let cache = StatCache()
        for index in 0..<10 {
            let entryStatus = FileStatus(
                kind: .file, device: 1, inode: UInt64(index), size: 3, mtime: 4, ctime: 5, mode: 0o644)
            cache.record(
                "f\(index)", status: entryStatus, digest: ContentHash.of(text: "\(index)"), recordedAt: 10_000_000_000)
        }
        try cache.save(to: package.root + "/sc")
        let bytes = try PosixFileSystem().read(package.root + "/sc")
        try PosixFileSystem().writeAtomically(Array(bytes.prefix(bytes.count - 20)), to: package.root + "/sc")
        let loaded = StatCache.load(from: package.root + "/sc")
        var found = 0
        for index in 0..<10 {
            let entryStatus = FileStatus(
                kind: .file, device: 1, inode: UInt64(index), size: 3, mtime: 4, ctime: 5, mode: 0o644)
            if let digest = loaded.digest(for: "f\(index)", status: entryStatus) {
                #expect(digest == ContentHash.of(text: "\(index)"))
                found += 1
            }
        }
        #expect(found == 9)
    }
}
