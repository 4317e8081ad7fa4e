import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A three-stage chain plus an independent stage: prepare -> train -> evaluate, and lint.
private func chain() -> EngineHarness {
    let harness = EngineHarness(stages: [
        stage("prepare", inputs: ["raw.csv"], code: ["prep.sh"], outputs: ["clean.csv"]),
        stage("train", inputs: ["clean.csv"], params: ["train.lr"], outputs: ["model.bin"]),
        stage("evaluate", inputs: ["model.bin"], params: ["eval.split"], outputs: ["metrics.json"]),
        stage("lint", inputs: ["notes.txt"], outputs: ["lint.txt"]),
    ])
    let package = harness.package
    package.write("raw.csv", "b\na\n")
    package.write("prep.sh", "sort\n")
    package.write("notes.txt", "hello\n")
    package.write("params.yaml", "train:\n  lr: 0.01\neval:\n  split: 0.2\nunused: 1\n")
    harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv") { String($0.sorted()) })
    harness.runner.on("train") { _ in
        package.write(
            "model.bin",
            "model(\(package.read("clean.csv") ?? ""), \(package.read("params.yaml")?.contains("0.01") == true ? "lr1" : "lr2"))"
        )
        return 0
    }
    harness.runner.on("evaluate", harness.transforms("model.bin", to: "metrics.json") { "{\"size\": \($0.count)}" })
    harness.runner.on("lint", harness.transforms("notes.txt", to: "lint.txt"))
    return harness
}

struct BuilderTests {
    @Test func firstBuildRunsEverythingAndSecondRunsNothing() throws {
        let harness = chain()
        #expect(try harness.ranStages() == ["prepare", "train", "evaluate", "lint"])
        #expect(try harness.ranStages() == [])
        #expect(harness.package.exists("Lepton.lock"))
    }

    @Test func touchingInputsWithoutChangingContentRunsNothing() throws {
        let harness = chain()
        try harness.build()
        for path in ["raw.csv", "prep.sh", "notes.txt", "params.yaml", "clean.csv", "model.bin"] {
            harness.package.touch(path)
        }
        #expect(try harness.ranStages() == [])
    }

    @Test func changingOneDataFileRerunsExactlyTheStagesDownstream() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("raw.csv", "c\nb\na\n")
        #expect(try harness.ranStages() == ["prepare", "train", "evaluate"])
        harness.package.write("notes.txt", "changed\n")
        #expect(try harness.ranStages() == ["lint"])
    }

    @Test func changingAParameterRerunsOnlyStagesThatReadIt() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("params.yaml", "train:\n  lr: 0.01\neval:\n  split: 0.3\nunused: 1\n")
        #expect(try harness.ranStages() == ["evaluate"])
    }

    @Test func changingAnUnreadKeyOrReformattingTheParamsFileRerunsNothing() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("params.yaml", "unused: 2\neval: {split: 0.20}\ntrain:\n    lr: 1.0e-2   # same value\n")
        #expect(try harness.ranStages() == [])
    }

    @Test func revertingAChangeRestoresOutputsFromTheCacheWithoutRunning() throws {
        let harness = chain()
        try harness.build()
        let original = harness.package.read("model.bin")
        harness.package.write("params.yaml", "train:\n  lr: 0.02\neval:\n  split: 0.2\nunused: 1\n")
        #expect(try harness.ranStages() == ["train", "evaluate"])
        #expect(harness.package.read("model.bin") != original)
        harness.package.write("params.yaml", "train:\n  lr: 0.01\neval:\n  split: 0.2\nunused: 1\n")
        harness.runner.reset()
        let summary = try harness.build()
        #expect(harness.runner.ran == [])
        #expect(harness.package.read("model.bin") == original)
        guard case .restored(let reasons, _)? = summary.outcome(of: "train") else {
            Issue.record("train was not restored: \(String(describing: summary.outcome(of: "train")))")
            return
        }
        #expect(reasons == [.paramChanged(key: "train.lr", old: "0.02", new: "0.01")])
    }

    @Test func anEditThatLeavesAnOutputByteIdenticalStopsTheRebuildThere() throws {
        let harness = chain()
        try harness.build()
        // The code changes, but prepare's output stays the same: train and evaluate are cut off.
        harness.package.write("prep.sh", "sort # a comment\n")
        #expect(try harness.ranStages() == ["prepare"])
        #expect(try harness.ranStages() == [])
    }

    @Test(arguments: ["delete", "corrupt"])
    func aDeletedOrCorruptedOutputIsRestoredFromTheCache(damage: String) throws {
        let harness = chain()
        try harness.build()
        let original = harness.package.read("model.bin")
        if damage == "delete" {
            harness.package.remove("model.bin")
        } else {
            harness.package.write("model.bin", "garbage")
        }
        #expect(try harness.ranStages() == [])
        #expect(harness.package.read("model.bin") == original)
    }

    @Test func aFailingStageFailsTheBuildIsNotCachedAndRerunsNextTime() throws {
        let harness = chain()
        harness.runner.on("train") { _ in 3 }
        let summary = try harness.build(BuildOptions(jobs: 1, keepGoing: true))
        #expect(summary.failed)
        guard case .failed(let failure)? = summary.outcome(of: "train") else {
            Issue.record("train did not fail")
            return
        }
        #expect(failure.message.contains("status 3"))
        #expect(summary.outcome(of: "evaluate") == .skipped(because: "'train' did not build"))
        #expect(summary.outcome(of: "lint") == .ran(reasons: [.newStage]))
        let package = harness.package
        harness.runner.on("train") { _ in
            package.write("model.bin", "fixed")
            return 0
        }
        #expect(try harness.ranStages() == ["train", "evaluate"])
    }

    @Test func independentStagesThatAreRunningFinishAfterAFailure() throws {
        let harness = chain()
        let package = harness.package
        let observer = RecordingObserver()
        harness.runner.on("prepare") { _ in 1 }
        harness.runner.on("lint") { _ in
            // Still running when the build has taken prepare's failure in: it must be allowed to
            // finish and be recorded. Waits for that event, not for a time.
            while observer.outcome(of: "prepare") == nil { usleep(1000) }
            package.write("lint.txt", "done")
            return 0
        }
        let summary = try harness.build(BuildOptions(jobs: 2), observer: observer)
        #expect(summary.failed)
        #expect(summary.outcome(of: "lint") == .ran(reasons: [.newStage]))
        #expect(summary.outcome(of: "train") == .skipped(because: "'prepare' did not build"))
        harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv"))
        #expect(try harness.ranStages() == ["prepare", "train", "evaluate"])
    }

    @Test func aDeclaredOutputThatIsMissingAfterSuccessFailsTheStage() throws {
        let harness = chain()
        harness.runner.on("lint") { _ in 0 }
        let summary = try harness.build()
        guard case .failed(let failure)? = summary.outcome(of: "lint") else {
            Issue.record("lint did not fail")
            return
        }
        #expect(failure.message.contains("declared output 'lint.txt' is missing"))
    }

    @Test func buildingOneStageBuildsOnlyWhatItNeeds() throws {
        let harness = chain()
        #expect(try harness.ranStages(BuildOptions(targets: ["train"])) == ["prepare", "train"])
        #expect(try harness.ranStages() == ["evaluate", "lint"])
    }

    @Test func forceRerunsOneStage() throws {
        let harness = chain()
        try harness.build()
        #expect(try harness.ranStages(BuildOptions(force: ["train"])) == ["train"])
    }

    @Test func statusAgreesWithWhatTheBuildThenDoes() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("params.yaml", "train:\n  lr: 0.02\neval:\n  split: 0.2\nunused: 1\n")
        harness.package.write("notes.txt", "edited")
        let status = try harness.build(BuildOptions(dryRun: true))
        #expect(harness.runner.ran.count == 4)  // the dry run ran nothing more
        let stale = status.outcomes.filter { $0.outcome.isStale }.map(\.stage)
        #expect(stale == ["train", "evaluate", "lint"])
        #expect(
            status.outcome(of: "train")
                == .wouldRun(reasons: [.paramChanged(key: "train.lr", old: "0.01", new: "0.02")]))
        #expect(status.outcome(of: "lint") == .wouldRun(reasons: [.inputChanged("notes.txt")]))
        #expect(status.outcome(of: "evaluate") == .wouldRun(reasons: [.upstreamWillRun("train")]))
        #expect(try harness.ranStages() == ["train", "evaluate", "lint"])
    }

    @Test func statusSeesThroughAStageThatWouldBeRestored() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("params.yaml", "train:\n  lr: 0.02\neval:\n  split: 0.2\nunused: 1\n")
        try harness.build()
        harness.package.write("params.yaml", "train:\n  lr: 0.01\neval:\n  split: 0.2\nunused: 1\n")
        let status = try harness.build(BuildOptions(dryRun: true))
        #expect(
            status.outcome(of: "train")
                == .wouldRestore(reasons: [.paramChanged(key: "train.lr", old: "0.02", new: "0.01")]))
        #expect(status.outcome(of: "evaluate") == .wouldRestore(reasons: [.inputChanged("model.bin")]))
    }

    @Test func aStageNewToThePipelineSaysSo() throws {
        let harness = chain()
        let status = try harness.build(BuildOptions(dryRun: true))
        #expect(status.outcome(of: "prepare") == .wouldRun(reasons: [.newStage]))
    }

    @Test func aMissingOutputIsExplained() throws {
        let harness = chain()
        try harness.build()
        harness.package.remove("metrics.json")
        let status = try harness.build(BuildOptions(dryRun: true))
        #expect(status.outcome(of: "evaluate") == .wouldRestore(reasons: [.outputMissing("metrics.json")]))
    }

    @Test func aStageRemovedFromThePipelineLeavesTheLock() throws {
        let harness = chain()
        try harness.build()
        harness.pipeline.stages.removeLast()
        try harness.build()
        #expect(harness.package.read("Lepton.lock")?.contains("\"lint\"") == false)
    }

    @Test func aDamagedLockIsDiscardedWithAWarningAndRebuilt() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("Lepton.lock", "{ not json")
        let observer = RecordingObserver()
        harness.runner.reset()
        try harness.build(observer: observer)
        #expect(observer.warnings.contains { $0.contains("Lepton.lock") })
        // Outputs are intact and their run-cache entries exist: everything is restored or up to date.
        #expect(harness.runner.ran == [])
    }

    /// The lock is decoded record by record: one damaged record costs that stage's decision,
    /// named in a warning, and the rest of the lock stands.
    @Test func aDamagedRecordIsDecidedAgainAndTheRestOfTheLockStands() throws {
        let harness = chain()
        try harness.build()
        let lock = harness.package.read("Lepton.lock") ?? ""
        let json = try JSON.parse(Array(lock.utf8))
        let key = try #require(json["stages"]?["lint"]?["key"]?.stringValue)
        harness.package.write("Lepton.lock", lock.replacing("\"key\": \"\(key)\"", with: "\"kee\": \"\(key)\""))
        let observer = RecordingObserver()
        harness.runner.reset()
        let summary = try harness.build(observer: observer)
        #expect(observer.warnings.contains { $0.contains("stage 'lint' is damaged") }, "\(observer.warnings)")
        #expect(harness.runner.ran == [], "lint's outputs are restored, nothing runs")
        #expect(summary.outcome(of: "train") == .upToDate)
        #expect(harness.package.read("Lepton.lock") == lock, "the record is written again, whole")
    }

    @Test func stagesFinishedBeforeAnInterruptedBuildAreRecoveredFromTheJournal() throws {
        let harness = chain()
        try harness.build()
        let oldLock = harness.package.read("Lepton.lock") ?? ""
        harness.package.write("notes.txt", "v2")
        try harness.build()
        // Simulate a kill after 'lint' was journaled but before the lock was written: the old
        // lock, plus a journal holding lint's new record and a torn last line.
        let line = journalLine(stage: "lint", lock: harness.package.read("Lepton.lock") ?? "")
        harness.package.write("Lepton.lock", oldLock)
        let header = "# lepton journal v1 lock=\(ContentHash.of(text: oldLock))\n"
        harness.package.write(".lepton/journal", header + line + "{\"stage\": \"torn")
        harness.runner.reset()
        let summary = try harness.build()
        #expect(harness.runner.ran == [])
        #expect(summary.outcome(of: "lint") == .upToDate)
    }

    @Test func aJournalForAnotherLockIsIgnored() throws {
        let harness = chain()
        try harness.build()
        harness.package.write("notes.txt", "v2")
        try harness.build()
        let line = journalLine(stage: "lint", lock: harness.package.read("Lepton.lock") ?? "")
        harness.package.write("notes.txt", "hello\n")
        harness.package.write(".lepton/journal", "# lepton journal v1 lock=0000\n" + line)
        let summary = try harness.build()
        #expect(summary.outcome(of: "lint") != .upToDate)
    }

    /// A stage's record from a lock's text, as a journal line.
    private func journalLine(stage: String, lock: String) -> String {
        guard let json = try? JSON.parse(lock), let record = json["stages"]?[stage] else { return "" }
        return JSON.object(["stage": .string(stage), "record": record]).compactText + "\n"
    }
}
