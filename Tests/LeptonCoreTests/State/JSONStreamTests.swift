import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCore

/// The lock and the run record are written member by member; the bytes must be exactly those
/// of the canonical writer over a tree, which `Lepton.lock` in git has always held.
struct JSONStreamTests {
    private func record(_ seed: Int) -> StageRecord {
        var record = StageRecord(
            key: ContentHash.of(text: "key \(seed)"), command: "python3 train.py --seed \(seed) \"quoted\" \\ tab\t",
            inputs: ["data/b.csv": ContentHash.of(text: "b"), "data/a.csv": ContentHash.of(text: "a"), "é/ü.txt": "x"],
            params: [
                "train.lr": "0.01", "arch": "\"mlp\"", "layers": "[64,32]", "opt": "{\"name\":\"adam\",\"b\":[1,2]}",
            ],
            environment: seed % 2 == 0 ? [:] : ["OMP_NUM_THREADS": "unset"])
        record.code = seed % 3 == 0 ? [:] : ["train.py": ContentHash.of(text: "code")]
        record.outputs = [
            "model.bin": PathDigest(kind: .file, digest: ContentHash.of(text: "m"), executable: seed % 2 == 1),
            "logs": PathDigest(kind: .folder, digest: ContentHash.of(text: "l")),
            "run.sh": PathDigest(kind: .file, digest: ContentHash.of(text: "r"), mode: 0o600),
        ]
        return record
    }

    @Test func theLockIsWrittenAsTheTreeWouldBe() {
        var stages: [String: StageRecord] = [:]
        for seed in 0..<7 { stages["stage-\(seed)"] = record(seed) }
        stages["z-empty"] = StageRecord(command: "true")
        let lock = LockFile(stages: stages)
        #expect(lock.bytes == lock.treeBytes)
        #expect(LockFile().bytes == LockFile().treeBytes)
    }

    /// A build that changed one record copies the others' bytes as they were read: the same
    /// bytes as writing everything again, and a record that did not change keeps its bytes even
    /// where they are not the writer's own (so the copy really is a copy).
    @Test func unchangedRecordsAreCopiedFromTheLockAsRead() throws {
        var stages: [String: StageRecord] = [:]
        for seed in 0..<6 { stages["stage-\(seed)"] = record(seed) }
        let written = LockFile(stages: stages).bytes
        var edited = LockFile(stages: stages)
        edited.stages["stage-2"] = record(20)
        edited.stages["stage-9"] = record(9)
        edited.stages["stage-4"] = nil
        /// The lock `bytes` become after a build that changed stage-2, added stage-9 and
        /// dropped stage-4.
        func saved(from bytes: [UInt8]) throws -> [UInt8] {
            let package = TemporaryPackage()
            package.write(LockFile.fileName, String(decoding: bytes, as: UTF8.self))
            let workspace = Workspace(root: package.root)
            try workspace.prepare()
            var state = try LockState.load(workspace: workspace, observer: RecordingObserver(), writeRecovered: true)
            // Records as read back: a params value is canonical JSON once written.
            #expect(state.record("stage-1") == (try LockFile(bytes: written, path: "Lepton.lock")).stages["stage-1"])
            #expect(state.recordBytes("stage-1") != nil)
            state.update("stage-2", record(20))
            state.update("stage-9", record(9))
            state.update("stage-3", record(3))  // the same record: nothing to write
            #expect(state.recordBytes("stage-2") == nil, "a changed record is not the file's")
            try state.save(keeping: Set(edited.stages.keys))
            return try PosixFileSystem().read(workspace.lockFile)
        }
        #expect(try saved(from: written) == edited.bytes)

        // The same records, written by hand without indentation: copied, not rewritten.
        let compact = String(decoding: written, as: UTF8.self)
            .replacing("\n      ", with: "").replacing("\n    }", with: "}")
        let compactBytes = Array(compact.utf8)
        #expect(try LockFile(bytes: compactBytes, path: "Lepton.lock") == LockFile(bytes: written, path: "Lepton.lock"))
        let copied = try saved(from: compactBytes)
        #expect(copied != edited.bytes)
        // Records as read back (a params value is canonical JSON once written).
        #expect(try LockFile(bytes: copied, path: "Lepton.lock") == LockFile(bytes: edited.bytes, path: "Lepton.lock"))
        let text = String(decoding: copied, as: UTF8.self)
        #expect(text.contains("\"stage-1\": {\""), "an unchanged record keeps its bytes")
        #expect(text.contains("\"stage-2\": {\n"), "a changed record is written again")
    }

    /// A record of the lock goes into the run history as its bytes there, compacted: exactly
    /// the bytes the history writes for the decoded record.
    @Test func aRecordCopiedFromTheLockIsTheHistorysOwnBytes() throws {
        var stages: [String: StageRecord] = [:]
        for seed in 0..<6 { stages["stage-\(seed)"] = record(seed) }
        stages["z-empty"] = StageRecord(command: "say \"hi\\\" \n  there\t")
        let lock = LockFile(stages: stages).bytes
        let index = try #require(LockIndex(bytes: lock))
        // Records as read back: a params value is canonical JSON once written.
        for (name, record) in try LockFile(bytes: lock, path: "Lepton.lock").stages {
            let decoded = RunRecord(
                id: "20261201-120000-000", started: 1, seconds: 1, status: "succeeded", commit: nil, overrides: [:],
                stages: [name: RunRecord.Stage(outcome: "up to date", record: record, seconds: 0)], metrics: [:])
            var copied = decoded
            copied.stages[name] = RunRecord.Stage(
                outcome: "up to date", lockBytes: try #require(index.recordBytes(name)), seconds: 0)
            #expect(copied.compactBytes == decoded.compactBytes, "\(name)")
            #expect(copied == decoded)
            #expect(copied.stages[name]?.record == record)
        }
    }

    @Test func aRunRecordIsWrittenAsTheTreeWouldBe() {
        let run = RunRecord(
            id: "20261201-120000-000", started: 1_796_000_000, seconds: 12.3456, status: "succeeded",
            commit: "abc123", overrides: ["train.lr": "0.02", "name": "\"x\""],
            stages: [
                "a": RunRecord.Stage(outcome: "ran", record: record(1), seconds: 1.23456),
                "b": RunRecord.Stage(outcome: "failed", record: nil, seconds: nil),
            ],
            metrics: ["metrics.json": ["accuracy": 0.91, "loss": 0.25]])
        #expect(run.compactBytes == run.json.compactBytes)
        var bare = run
        bare.commit = nil
        bare.stages = [:]
        bare.metrics = [:]
        bare.overrides = [:]
        #expect(bare.compactBytes == bare.json.compactBytes)
    }

    /// A plan decodes only the records it needs: the member spans give the same records as the
    /// whole parse, and a document not shaped as Lepton writes it is not indexed.
    @Test func memberSpansFindEachRecordAsTheWholeParseDoes() throws {
        var stages: [String: StageRecord] = [:]
        for seed in 0..<5 { stages["stage-\(seed)"] = record(seed) }
        let bytes = LockFile(stages: stages).bytes
        let top = try #require(JSONMemberSpans.of(bytes))
        #expect(Set(top.keys) == ["generator", "stages", "version"])
        let stagesSpan: Range<Int> = try #require(top["stages"])
        let spans = try #require(JSONMemberSpans.of(bytes, in: stagesSpan))
        #expect(Set(spans.keys) == Set(stages.keys))
        let whole = try LockFile(bytes: bytes, path: "Lepton.lock")
        for (name, span) in spans {
            #expect(StageRecord(json: try JSON.parse(bytes[span])) == whole.stages[name])
        }
        #expect(JSONMemberSpans.of(Array("{\"a\": [1, {\"b\": \"}\\\"\"}], \"c\": true}".utf8))?.count == 2)
        #expect(JSONMemberSpans.of(Array("{\"a\\u0062\": 1}".utf8)) == nil, "escaped key")
        #expect(JSONMemberSpans.of(Array("{\"a\": 1} x".utf8)) == nil, "trailing bytes")
        #expect(JSONMemberSpans.of(Array("{\"a\": 1, \"a\": 2}".utf8)) == nil, "duplicate key")
        #expect(JSONMemberSpans.of(Array("{\"a\": [1, 2}".utf8)) == nil, "unclosed")
    }
}
