import Dispatch
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

@testable import LeptonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs each stage for a moment and records the most cores reserved at once (by the stages'
/// declared demand) and the most stages at once.
private final class ReservingExecution: StageExecution, @unchecked Sendable {
    let jobs: Int
    let cores: [String: Int]
    /// Advanced one second by each stage that reserves cores, while it runs.
    let clock: ManualClock
    private let state = Mutex((cores: 0, mostCores: 0, now: 0, most: 0))

    init(jobs: Int, cores: [String: Int], clock: ManualClock = ManualClock()) {
        self.jobs = jobs
        self.cores = cores
        self.clock = clock
    }

    var mostCores: Int { state.withLock { $0.mostCores } }
    var most: Int { state.withLock { $0.most } }

    func settle(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult? { nil }

    func perform(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult {
        let own = cores[stage.name] ?? 0
        state.withLock {
            $0.cores += own
            $0.mostCores = max($0.mostCores, $0.cores)
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
        usleep(30_000)
        if own > 0 { clock.tick() }
        state.withLock {
            $0.cores -= own
            $0.now -= 1
        }
        guard case .run(let record, let reasons) = decision else { return StageResult(outcome: .upToDate) }
        return StageResult(outcome: .ran(reasons: reasons), record: record)
    }
}

private func trainer(_ name: String, cpus: String? = nil) -> StageDescription {
    StageDescription(
        name: name, command: .tool(["train", name], settings: []),
        resources: ResourceSpec(cpus: cpus.map { .literal($0) }))
}

struct ResourceSchedulingTests {
    @Test func stagesThatDeclareCoresNeverTogetherExceedTheBudgetWhileOthersRunBesideThem() {
        // Two 2-core trainers and an undeclared trainer (all cores) on 2 cores, with -j 4 and
        // three stages that declare nothing: the trainers run one at a time, the rest beside them.
        let stages =
            [trainer("t1", cpus: "2"), trainer("t2", cpus: "2"), trainer("t3")] + (1...3).map { stage("s\($0)") }
        let resources = stages.map { $0.resources.isEmpty ? StageResources() : StageResources(cpus: 2) }
        let budget = ResourceBudget(
            capacity: ResourceBudget.Demand(cpus: 2, memoryMiB: 1000, local: 4, cluster: 0), stages: stages,
            resources: resources, executor: .local)
        #expect(budget.demands.map(\.cpus) == [2, 2, 2, 0, 0, 0])
        let clock = ManualClock()
        let execution = ReservingExecution(jobs: 4, cores: ["t1": 2, "t2": 2, "t3": 2], clock: clock)
        let (loop, package) = coordinator(stages, execution: execution, budget: budget, clock: clock)
        let result = loop.run(Array(stages.indices), previous: { _ in nil }, promote: { _, _ in })
        withExtendedLifetime(package) {}
        #expect(result.outcomes.count == 6)
        #expect(execution.mostCores == 2, "two trainers ran at once on two cores")
        #expect(execution.most >= 2, "the stages that declare nothing did not run beside the trainers")
        // Each trainer ran one (manual) second; the ones that waited for the cores do not count
        // the others' runs as their own (they did: 1 s, 2 s, 3 s).
        #expect(["t1", "t2", "t3"].map { result.durations[$0] } == [1, 1, 1], "\(result.durations)")
    }

    @Test func aStageAskingForMoreThanTheBuildMayUseIsAnErrorBeforeAnythingRuns() throws {
        let harness = EngineHarness(stages: [
            stage("small", outputs: ["a.txt"]),
            StageDescription(
                name: "big", command: .shell("fake big"), outputs: [PathSpec(kind: .path, path: "b.txt")],
                resources: ResourceSpec(cpus: .literal("8"), memory: .literal("1G"))),
        ])
        harness.runner.on("small", harness.writes("a.txt") { "a" })
        var options = BuildOptions()
        options.cpus = 2
        #expect {
            try harness.build(options)
        } throws: { error in
            (error as? LeptonError)?.message.contains("stage 'big' asks for 8 cpus but this build may use 2") == true
        }
        #expect(harness.runner.ran.isEmpty)
        options.cpus = 8
        options.memoryMiB = 512
        #expect {
            try harness.build(options)
        } throws: { error in
            (error as? LeptonError)?.message.contains("asks for 1024 MiB of memory but this build may use 512 MiB")
                == true
        }
        #expect(harness.runner.ran.isEmpty)
    }

    @Test func resourcesFromParamsReachTheRunnerAndTheTrainerButNotTheKey() throws {
        let harness = EngineHarness(stages: [
            StageDescription(
                name: "train", command: .tool(["train", "--data", "d"], settings: []),
                outputs: [PathSpec(kind: .path, path: "model.txt")],
                resources: ResourceSpec(
                    cpus: .param(key: "train.cpus", file: nil), memory: .literal("2G"), time: .literal("90m"),
                    options: ["partition": "gpu"]))
        ])
        harness.package.write("params.yaml", "train:\n  cpus: 3\n")
        let seen = Mutex<[ProcessRequest]>([])
        harness.runner.on("train") { request in
            seen.withLock { $0.append(request) }
            harness.package.write("model.txt", "m")
            return 0
        }
        var options = BuildOptions()
        options.cpus = 4
        try harness.build(options)
        let request = try #require(seen.withLock { $0.first })
        #expect(
            request.resources
                == StageResources(cpus: 3, memoryMiB: 2048, timeSeconds: 5400, options: ["partition": "gpu"]))
        #expect(request.arguments.suffix(2) == ["--threads", "3"])
        // More cores change how fast, not what: the stage stays up to date.
        harness.package.write("params.yaml", "train:\n  cpus: 4\n")
        #expect(try harness.ranStages(options).isEmpty)
        harness.package.write("params.yaml", "train:\n  cpus: many\n")
        #expect {
            try harness.build(options)
        } throws: { error in
            (error as? LeptonError)?.message.contains(
                "stage 'train': cpus 'many' (from params key 'train.cpus') is not a whole number of cores") == true
        }
    }

    @Test(arguments: [
        ("512M", 512), ("8G", 8192), ("8GB", 8192), ("1.5G", 1536), ("2T", 2 * 1024 * 1024), ("2048K", 2),
        ("100", 100),
    ])
    func memoryAmountsReadInMiB(text: String, mebibytes: Int) {
        #expect(ResourceSpec.Resource.memory.parse(text) == mebibytes)
    }

    @Test(arguments: [
        ("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("30", 1800), ("05:30", 330),
        ("01:02:03", 3723), ("1-00", 86400), ("1-02:30", 95400), ("2-00:00:01", 172_801),
    ])
    func timeLimitsReadInSeconds(text: String, seconds: Int) {
        #expect(ResourceSpec.Resource.time.parse(text) == seconds)
    }

    @Test func badAmountsAreProblemsThatSayWhatIsExpected() {
        for (resource, text) in [(ResourceSpec.Resource.memory, "8Q"), (.time, "soon"), (.cpus, "0"), (.gpus, "-1")] {
            #expect(ResourceSpec.problem(resource, literal: text) != nil, "\(resource) '\(text)'")
        }
        #expect(ResourceSpec.problem(.memory, literal: "8Q")?.contains("\"8G\"") == true)
    }
}

/// A cluster runner that records what it was handed and writes the stage's output.
private final class RecordingCluster: ClusterRunner, @unchecked Sendable {
    let kind = ExecutorKind.slurm
    let requests = Mutex<[ProcessRequest]>([])
    let package: TemporaryPackage
    private let out = Mutex((now: 0, most: 0))

    init(package: TemporaryPackage) { self.package = package }

    /// The most jobs it had out at once.
    var most: Int { out.withLock { $0.most } }

    func run(_ request: ProcessRequest) -> ProcessOutcome {
        requests.withLock { $0.append(request) }
        out.withLock {
            $0.now += 1
            $0.most = max($0.most, $0.now)
        }
        request.onSubmitted?("slurm:7")
        usleep(30_000)
        package.write(request.stage == "train" ? "model.txt" : "\(request.stage).txt", "m")
        out.withLock { $0.now -= 1 }
        return .exited(0)
    }

    func terminateAll() {}
    func recoverLeftovers() -> [String] { [] }
}

struct ExecutorSeamTests {
    @Test func stagesOnTheClusterGoToItsRunnerWithTheirJobRecordedAndTrainersGetOneThreadByDefault() throws {
        let harness = EngineHarness(stages: [
            StageDescription(
                name: "train", command: .tool(["train", "--data", "d"], settings: []),
                outputs: [PathSpec(kind: .path, path: "model.txt")], resources: ResourceSpec(executor: .slurm)),
            stage("local", outputs: ["local.txt"]),
        ])
        harness.runner.on("local", harness.writes("local.txt") { "l" })
        let cluster = RecordingCluster(package: harness.package)
        var options = BuildOptions()
        options.cluster = cluster
        let summary = try harness.build(options)
        #expect(harness.runner.ran == ["local"])
        let request = try #require(cluster.requests.withLock { $0.first })
        #expect(request.stage == "train")
        #expect(request.arguments.suffix(2) == ["--threads", "1"])
        #expect(summary.jobs == ["train": "slurm:7"])
        // Without a cluster set up, a stage that needs one is an error before anything runs.
        harness.package.write("model.txt", "changed")
        #expect {
            try harness.build(BuildOptions())
        } throws: { error in
            (error as? LeptonError)?.message.contains("stage 'train' runs on slurm, which is not set up here") == true
        }
    }
}

extension ExecutorSeamTests {
    @Test func jobsOutOnTheClusterAreCappedByMaxJobsNotByTheLocalLimit() throws {
        let harness = EngineHarness(
            stages: (1...6).map { index in
                StageDescription(
                    name: "s\(index)", command: .shell("fake"), outputs: [PathSpec(kind: .path, path: "s\(index).txt")],
                    resources: ResourceSpec(executor: .slurm))
            })
        let cluster = RecordingCluster(package: harness.package)
        var options = BuildOptions(jobs: 1)
        options.cluster = cluster
        options.clusterJobs = 3
        let summary = try harness.build(options)
        #expect(summary.outcomes.count == 6 && !summary.failed)
        #expect(cluster.most == 3)
    }
}
