import LeptonCore
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What the build hands back and records is what the stages produced from what they saw.
struct BuildTrustTests {
    private func evaluated(gates: [String]) -> EngineHarness {
        let harness = EngineHarness(stages: [
            StageDescription(
                name: "evaluate", command: .shell("fake evaluate"), inputs: [PathSpec(kind: .path, path: "model.bin")],
                metrics: ["metrics.json"], gates: gates)
        ])
        harness.package.write("model.bin", "m\n")
        harness.runner.on("evaluate", harness.writes("metrics.json") { #"{"accuracy": 0.958}"# })
        return harness
    }

    @Test func aTightenedGateFailsTheBuildOfAnUpToDateStage() throws {
        let harness = evaluated(gates: ["accuracy >= 0.9"])
        #expect(try harness.build().failed == false)
        harness.pipeline.stages[0].gates = ["accuracy >= 0.99"]
        let summary = try harness.build()
        #expect(harness.runner.ran == ["evaluate"])
        guard case .failed(let failure) = summary.outcome(of: "evaluate") else {
            Issue.record("expected a gate failure, got \(String(describing: summary.outcome(of: "evaluate")))")
            return
        }
        #expect(failure.isGateFailure)
    }

    @Test func aGateOnAMetricTheStageNeverWritesStaysAFailure() throws {
        let harness = evaluated(gates: ["acuracy >= 0.9"])
        #expect(try harness.build().failed)
        #expect(try harness.build().failed)
    }

    @Test func aFailedStageHasNoRecordInTheSummary() throws {
        let harness = EngineHarness(stages: [stage("make", inputs: ["in.txt"], outputs: ["out.txt"])])
        harness.package.write("in.txt", "1\n")
        harness.runner.on("make", harness.transforms("in.txt", to: "out.txt"))
        #expect(try harness.build().records["make"] != nil)
        harness.package.write("in.txt", "2\n")
        harness.runner.on("make") { _ in 1 }
        let summary = try harness.build()
        #expect(summary.failed)
        // Before the fix the run recorder re-read Lepton.lock: the earlier run's record.
        #expect(summary.records["make"] == nil)
    }

    @Test func aFailedRunRecordsNoOutputsForTheStageThatFailed() throws {
        let harness = EngineHarness(stages: [
            stage("prepare", inputs: ["in.txt"], outputs: ["clean.txt"]),
            stage("train", inputs: ["clean.txt"], outputs: ["model.bin"]),
        ])
        let package = harness.package
        package.write("in.txt", "1\n")
        harness.runner.on("prepare", harness.transforms("in.txt", to: "clean.txt"))
        harness.runner.on("train", harness.transforms("clean.txt", to: "model.bin"))
        let recorder = RunRecorder(workspace: package.workspace, pipeline: harness.pipeline)
        let good = try #require(try recorder.record(try harness.build(), overrides: [:], started: 1_000_000_000_000))
        #expect(good.stages["train"]?.record != nil)
        package.write("in.txt", "2\n")
        harness.runner.on("train") { _ in 1 }
        let failed = try #require(try recorder.record(try harness.build(), overrides: [:], started: 2_000_000_000_000))
        #expect(failed.status == "failed")
        #expect(
            failed.stages["prepare"]?.record?.outputs["clean.txt"]
                == PathDigest(
                    kind: .file, digest: ContentHash.of(text: "2\n")))
        // Before the fix: the earlier run's record (key and outputs) read back from Lepton.lock.
        #expect(failed.stages["train"]?.outcome == "failed")
        #expect(failed.stages["train"]?.record == nil)
    }

    @Test func aStageThatChangesItsOwnInputIsNamed() throws {
        let harness = EngineHarness(stages: [stage("append", inputs: ["log.txt"], outputs: ["out.txt"])])
        let package = harness.package
        package.write("log.txt", "1\n")
        harness.runner.on("append") { _ in
            package.write("log.txt", (package.read("log.txt") ?? "") + "again\n")
            package.write("out.txt", "x\n")
            return 0
        }
        let observer = RecordingObserver()
        try harness.build(observer: observer)
        #expect(observer.warnings.contains { $0.contains("changed its own input 'log.txt'") }, "\(observer.warnings)")
    }

    @Test func aDamagedRunEntryRerunsWithAWarning() throws {
        let harness = EngineHarness(stages: [stage("make", inputs: ["in.txt"], outputs: ["out.txt"])])
        let package = harness.package
        package.write("in.txt", "1\n")
        harness.runner.on("make", harness.transforms("in.txt", to: "out.txt"))
        try harness.build()
        let key = try #require(
            try LockFile(bytes: Array((package.read("Lepton.lock") ?? "").utf8), path: "Lepton.lock").stages["make"]?
                .key)
        package.write("in.txt", "2\n")
        try harness.build()
        // Back to the first input: its entry is damaged, so the stage runs, and says why.
        // The log's latest line for the key wins: a damaged one after the intact one.
        let log = ".lepton/cache/runs.log"
        package.write(log, (package.read(log) ?? "") + "\(key) {torn\n")
        package.write("in.txt", "1\n")
        let observer = RecordingObserver()
        harness.runner.reset()
        try harness.build(observer: observer)
        #expect(harness.runner.ran == ["make"])
        #expect(observer.warnings.contains { $0.contains("run-cache entry is damaged") }, "\(observer.warnings)")
    }

    @Test func stagesDoNotSeeLeptonsCredentials() throws {
        let harness = EngineHarness(stages: [stage("make", outputs: ["out.txt"])])
        let package = harness.package
        harness.runner.on("make") { request in
            package.write("out.txt", request.withheld.sorted().joined(separator: ","))
            return 0
        }
        try harness.build()
        let withheld = Set((package.read("out.txt") ?? "").split(separator: ",").map(String.init))
        #expect(
            withheld.isSuperset(of: ["LEPTON_REMOTE_TOKEN", "LEPTON_REMOTE_USER", "LEPTON_REMOTE_PASSWORD", "NETRC"]))
    }

    @Test func theRealRunnerRemovesWithheldVariables() {
        let package = TemporaryPackage()
        setenv("LEPTON_REMOTE_TOKEN", "s3cret-token", 1)
        defer { unsetenv("LEPTON_REMOTE_TOKEN") }
        let outcome = PosixProcessRunner().run(
            ProcessRequest(
                stage: "s", arguments: ["/bin/sh", "-c", "env"], workingDirectory: package.root, environment: [:],
                logPath: package.root + "/s.log", withheld: StageEnvironment.withheld))
        #expect(outcome == .exited(0))
        let log = package.read("s.log") ?? ""
        #expect(log.contains("PATH="))
        #expect(!log.contains("s3cret-token"))
    }

    @Test func aMetricsFileInsideTheStagesOwnOutputFolderIsAccepted() throws {
        let harness = EngineHarness(stages: [
            StageDescription(
                name: "evaluate", command: .shell("fake"), outputs: [PathSpec(kind: .folder, path: "eval")],
                metrics: ["eval/metrics.json"])
        ])
        #expect(harness.diagnostics() == [])
        let package = harness.package
        harness.runner.on("evaluate") { _ in
            package.write("eval/metrics.json", #"{"accuracy": 1}"#)
            package.write("eval/plot.csv", "x\n")
            return 0
        }
        #expect(try harness.build().failed == false)
        #expect(try harness.ranStages() == [])
    }
}
