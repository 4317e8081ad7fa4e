import Dispatch
import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

/// A built package with one recorded run: prepare -> train.
private func builtPackage() throws -> (EngineHarness, RunRecord) {
    let harness = EngineHarness(stages: [
        stage("prepare", inputs: ["raw.csv"], outputs: ["clean.csv"]),
        stage("train", inputs: ["clean.csv"], outputs: ["model.bin"]),
    ])
    harness.package.write("raw.csv", "1\n")
    harness.runner.on("prepare", harness.transforms("raw.csv", to: "clean.csv"))
    harness.runner.on("train", harness.transforms("clean.csv", to: "model.bin") { "model of \($0)" })
    let summary = try harness.build()
    let run = try #require(
        try RunRecorder(workspace: harness.package.workspace, pipeline: harness.pipeline)
            .record(summary, overrides: [:], started: 0))
    return (harness, run)
}

/// Runs `work` while this test holds the package's build lock, and checks that it waits for the
/// lock (saying who holds it) and finishes only once the lock is released.
private func expectWaitsForTheBuildLock(
    _ workspace: Workspace, sourceLocation: SourceLocation = #_sourceLocation,
    _ work: @escaping @Sendable (WorkflowEvents) throws -> Void
) throws {
    let held = try #require(try BuildLock.tryAcquire(path: workspace.buildLockFile, command: "the test"))
    let waited = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let holder = Mutex<String?>(nil)
    let failure = Mutex<String?>(nil)
    let events = WorkflowEvents(waiting: { who in
        holder.withLock { $0 = who }
        waited.signal()
    })
    DispatchQueue.global().async {
        do { try work(events) } catch { failure.withLock { $0 = "\(error)" } }
        done.signal()
    }
    #expect(
        waited.wait(timeout: .now() + 10) == .success, "it did not wait for the lock", sourceLocation: sourceLocation)
    #expect(holder.withLock { $0 }?.contains("the test") == true, sourceLocation: sourceLocation)
    #expect(
        done.wait(timeout: .now() + 0.2) == .timedOut, "it finished while the lock was held",
        sourceLocation: sourceLocation)
    _ = consume held
    #expect(done.wait(timeout: .now() + 10) == .success, "it did not finish", sourceLocation: sourceLocation)
    #expect(failure.withLock { $0 } == nil, sourceLocation: sourceLocation)
}

struct WorkflowLockTests {
    @Test func cleanTakesTheBuildLock() throws {
        let (harness, _) = try builtPackage()
        let workspace = harness.package.workspace
        try expectWaitsForTheBuildLock(workspace) { events in
            _ = try OutputCleaner(workspace: workspace).clean(stages: [], dryRun: false, events: events)
        }
        #expect(!harness.package.exists("model.bin"))
    }

    @Test func cacheGCTakesTheBuildLock() throws {
        let (harness, _) = try builtPackage()
        let workspace = harness.package.workspace
        try expectWaitsForTheBuildLock(workspace) { events in
            _ = try GarbageCollector(workspace: workspace, events: events)
                .collect(keepDays: 30, workspaceOnly: false, dryRun: false)
        }
    }

    @Test func checkoutTakesTheBuildLock() throws {
        let (harness, run) = try builtPackage()
        let workspace = harness.package.workspace
        harness.package.write("model.bin", "edited by hand")
        try expectWaitsForTheBuildLock(workspace) { events in
            _ = try RunCheckout(workspace: workspace, events: events).checkout(run.id)
        }
        #expect(harness.package.read("model.bin") == "model of 1\n")
    }

    @Test func pullTakesTheBuildLock() throws {
        let (harness, _) = try builtPackage()
        let workspace = harness.package.workspace
        let remote = RemoteCache(
            store: FakeBlobStore(), local: ArtifactCache(directory: workspace.cacheDirectory), uploads: false,
            retry: RetryPolicy(attempts: 1, initialDelay: 0))
        let records = try LockRecords.select([], workspace: workspace)
        try expectWaitsForTheBuildLock(workspace) { events in
            _ = try OutputPull(workspace: workspace, remote: remote, events: events).pull(records)
        }
    }

    @Test func aBuildTakesTheBuildLockAndAPlanDoesNot() throws {
        let (harness, _) = try builtPackage()
        let workspace = harness.package.workspace
        harness.package.write("raw.csv", "2\n")
        var session = BuildSession(
            workspace: workspace, pipeline: harness.pipeline, graph: BuildGraph(pipeline: harness.pipeline),
            targets: nil, params: ParamsStore(root: workspace.root), observer: RecordingObserver())
        session.runner = harness.runner
        let held = try #require(try BuildLock.tryAcquire(path: workspace.buildLockFile, command: "the test"))
        let plan = try session.plan(BuildOptions())
        #expect(plan.stale.map(\.stage) == ["prepare", "train"])
        _ = consume held
        try expectWaitsForTheBuildLock(workspace) { [session] events in
            var session = session
            session.waiting = events.waiting
            _ = try session.build(BuildOptions())
        }
        #expect(harness.package.read("model.bin") == "model of 2\n")
    }
}

struct RunCheckoutTests {
    @Test func anUnknownRunOrStageIsAUsageErrorAndChangesNothing() throws {
        let (harness, run) = try builtPackage()
        let checkout = RunCheckout(workspace: harness.package.workspace)
        #expect(throws: LeptonError.self) { try checkout.checkout("nope") }
        do {
            _ = try checkout.checkout(run.id, stages: ["lint"])
            Issue.record("an unknown stage was accepted")
        } catch {
            #expect(error.code == .usage)
            #expect(error.message.contains("'lint'") && error.message.contains("prepare, train"))
        }
    }

    @Test func aMissingObjectChangesNothingAndNamesTheOutput() throws {
        let (harness, run) = try builtPackage()
        harness.package.write("raw.csv", "2\n")
        try harness.build()
        let cache = ArtifactCache(directory: harness.package.workspace.cacheDirectory)
        let digest = try #require(run.stages["train"]?.record?.outputs["model.bin"])
        try PosixFileSystem().remove(cache.objectPath(digest.digest))
        let before = (harness.package.read("clean.csv"), harness.package.read("model.bin"))
        do {
            _ = try RunCheckout(workspace: harness.package.workspace).checkout(run.id)
            Issue.record("a checkout with a missing object went ahead")
        } catch {
            #expect(error.code == .cacheMiss)
            #expect(error.message.contains("model.bin (stage 'train')"))
        }
        #expect(harness.package.read("clean.csv") == before.0 && harness.package.read("model.bin") == before.1)
    }

    @Test func aDryRunSaysWhatWouldChangeAndChangesNothing() throws {
        let (harness, run) = try builtPackage()
        harness.package.write("raw.csv", "2\n")
        try harness.build()
        let lock = harness.package.read("Lepton.lock")
        let result = try RunCheckout(workspace: harness.package.workspace).checkout(run.id, dryRun: true)
        #expect(result.changes.map(\.path) == ["clean.csv", "model.bin"])
        #expect(harness.package.read("model.bin") == "model of 2\n")
        #expect(harness.package.read("Lepton.lock") == lock)
    }
}
