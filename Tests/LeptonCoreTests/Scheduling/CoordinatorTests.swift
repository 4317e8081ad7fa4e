import Dispatch
import Synchronization
import Testing
import _LeptonTestSupport

@testable import LeptonCore

/// An execution that runs every stage on a worker and says how many ran at once; `fails` names
/// stages that fail. The first stage to start waits (bounded) for a second one, so a coordinator
/// that serialises the work shows up as a maximum of 1.
private final class CountingExecution: StageExecution, @unchecked Sendable {
    let jobs: Int
    let fails: Set<String>
    private let running = Mutex((now: 0, most: 0, performed: [String]()))
    private let second = DispatchSemaphore(value: 0)

    init(jobs: Int, fails: Set<String> = []) {
        self.jobs = jobs
        self.fails = fails
    }

    var most: Int { running.withLock { $0.most } }
    var performed: [String] { running.withLock { $0.performed } }

    func settle(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult? {
        if case .failed(let failure) = decision { return StageResult(outcome: .failed(failure)) }
        return nil
    }

    func perform(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult {
        let now = running.withLock { state -> Int in
            state.now += 1
            state.most = max(state.most, state.now)
            state.performed.append(stage.name)
            return state.now
        }
        if now == 1 && jobs > 1 { _ = second.wait(timeout: .now() + 5) } else { second.signal() }
        running.withLock { $0.now -= 1 }
        if fails.contains(stage.name) { return StageResult(outcome: .failed(StageFailure(message: "boom"))) }
        guard case .run(let record, let reasons) = decision else { return StageResult(outcome: .upToDate) }
        return StageResult(outcome: .ran(reasons: reasons), record: record)
    }
}

/// A coordinator of `stages` in a temporary package, with a planner deciding for real.
func coordinator(
    _ stages: [StageDescription], execution: any StageExecution, keepGoing: Bool = false,
    budget: ResourceBudget? = nil, clock: ManualClock = ManualClock()
) -> (Coordinator, TemporaryPackage) {
    let package = TemporaryPackage("coordinator")
    let pipeline = PipelineDescription(name: "test", paramsFile: "params.yaml", stages: stages)
    let hasher = ContentHasher(root: package.root, statCache: StatCache())
    let planner = Planner(
        graph: BuildGraph(pipeline: pipeline),
        evaluator: StageEvaluator(
            root: package.root, pipeline: pipeline, hasher: hasher, params: ParamsStore(root: package.root),
            targets: nil),
        cache: ArtifactCache(directory: package.workspace.cacheDirectory), force: [], gateBaseline: [:],
        root: package.root, observer: nil)
    let coordinator = Coordinator(
        graph: planner.graph, planner: planner, execution: execution, observer: RecordingObserver(),
        clock: clock, keepGoing: keepGoing,
        budget: budget ?? ResourceBudget.unlimited(stages: stages.count, jobs: execution.jobs), isCancelled: { false })
    return (coordinator, package)
}

struct CoordinatorTests {
    @Test func independentStagesRunInParallelButNeverMoreThanTheJobLimit() {
        let execution = CountingExecution(jobs: 2)
        let stages = (1...6).map { stage("s\($0)") }
        let (loop, package) = coordinator(stages, execution: execution)
        let result = loop.run(Array(stages.indices), previous: { _ in nil }, promote: { _, _ in })
        withExtendedLifetime(package) {}
        #expect(execution.most == 2)
        #expect(result.outcomes.count == 6)
        #expect(result.outcomes.allSatisfy { if case .ran = $0.outcome { true } else { false } })
    }

    @Test func aFailureStopsNewWorkAndSkipsDependentsSayingWhy() {
        let execution = CountingExecution(jobs: 1, fails: ["a"])
        let stages = [stage("a"), stage("b", after: ["a"]), stage("c")]
        let (loop, package) = coordinator(stages, execution: execution)
        var promoted: [String] = []
        let result = loop.run([0, 1, 2], previous: { _ in nil }, promote: { name, _ in promoted.append(name) })
        withExtendedLifetime(package) {}
        #expect(execution.performed == ["a"])
        #expect(promoted.isEmpty)
        let outcomes = Dictionary(result.outcomes.map { ($0.stage, $0.outcome) }, uniquingKeysWith: { $1 })
        #expect(outcomes["b"] == .skipped(because: "'a' did not build"))
        #expect(outcomes["c"] == .skipped(because: "the build stopped"))
    }

    @Test func keepGoingBuildsWhatDoesNotDependOnTheFailure() {
        let execution = CountingExecution(jobs: 1, fails: ["a"])
        let stages = [stage("a"), stage("b", after: ["a"]), stage("c")]
        let (loop, package) = coordinator(stages, execution: execution, keepGoing: true)
        var promoted: [String] = []
        let result = loop.run([0, 1, 2], previous: { _ in nil }, promote: { name, _ in promoted.append(name) })
        withExtendedLifetime(package) {}
        #expect(execution.performed == ["a", "c"])
        #expect(promoted == ["c"])
        #expect(result.records.keys.sorted() == ["c"])
    }

    @Test func theDryRunTouchesNothingAndMarksStagesBehindAStageThatWouldRunAsPending() {
        let stages = [stage("a"), stage("b", after: ["a"])]
        let (loop, package) = coordinator(stages, execution: DryRunExecution())
        var promoted = 0
        let result = loop.run([0, 1], previous: { _ in nil }, promote: { _, _ in promoted += 1 })
        withExtendedLifetime(package) {}
        #expect(promoted == 0)
        #expect(result.outcomes.map(\.stage) == ["a", "b"])
        #expect(result.outcomes[1].outcome == .wouldRun(reasons: [.newStage, .upstreamWillRun("a")]))
        #expect(!package.exists(".lepton"))
    }
}
