import Dispatch
import LeptonSystem
import Synchronization

/// The build loop: decides each stage as its dependencies finish (through the ``Planner``),
/// settles or hands it to the ``StageExecution``, at most `jobs` at a time, and collects the
/// outcomes. Knows nothing of caches, remotes or processes.
///
/// Stages start in the order they became ready, except that one whose cores or memory do not
/// fit beside the running ones (``ResourceBudget``) waits and lets a later one that fits go first.
///
/// After a failure no new stage starts (running ones finish) unless `keepGoing`; stages that
/// depend on a failed or skipped stage are skipped.
struct Coordinator {
    let graph: BuildGraph
    var planner: Planner
    let execution: any StageExecution
    let observer: any BuildObserver
    let clock: any Clock
    let keepGoing: Bool
    /// The cores and memory running stages may reserve together.
    var budget: ResourceBudget
    let isCancelled: @Sendable () -> Bool

    /// What the loop produced.
    struct Result {
        var outcomes: [(stage: String, outcome: StageOutcome)] = []
        var durations: [String: Double] = [:]
        var records: [String: StageRecord] = [:]
        /// Stages up to date on the snapshot's word whose records were left unread in the lock
        /// (``StageDecision/vouched``): theirs is the lock's record.
        var vouched: Set<String> = []
        /// The cluster job each stage that went to a cluster ran as, by stage.
        var jobs: [String: String] = [:]
    }

    private struct Completion {
        var stage: Int
        var result: StageResult
        var seconds: Double
    }

    /// Builds `order` (a dependency-closed set of stages).
    ///
    /// - Parameters:
    ///   - order: The stages to build, by index.
    ///   - previous: A stage's record in the lock.
    ///   - promote: Called with each new record a stage leaves (not for up-to-date stages).
    /// - Returns: Every stage's outcome in the order they finished, with durations and records.
    func run(
        _ order: [Int], previous: (String) -> StageRecord?, promote: (String, StageRecord) -> Void
    ) -> Result {
        let stages = graph.pipeline.stages
        let inBuild = Set(order)
        var remaining = [Int](repeating: 0, count: stages.count)
        for stage in order { remaining[stage] = graph.dependencies[stage].filter(inBuild.contains).count }
        var ready = MinHeap(order.filter { remaining[$0] == 0 })
        var outcomes: [Int: StageOutcome] = [:]
        var unknownOutputs = Set<Int>()
        var vouched = Set<Int>()
        var upstream: [String: PathDigest] = [:]
        var queued: [(Int, StageDecision, UInt64, UInt64)] = []
        var running = 0
        var reserved: [Int: ResourceBudget.Demand] = [:]
        var inUse = ResourceBudget.Demand.none
        var stopping = false
        var result = Result()
        let completions = Mutex<[Completion]>([])
        let signal = DispatchSemaphore(value: 0)
        var pool: WorkerPool?
        defer { pool?.shutdown() }

        func finish(_ stage: Int, _ done: StageResult, seconds: Double) {
            let name = stages[stage].name
            outcomes[stage] = done.outcome
            result.durations[name] = seconds
            result.outcomes.append((name, done.outcome))
            if let job = done.job { result.jobs[name] = job }
            if let record = done.record {
                switch done.outcome {
                case .upToDate, .ran, .restored: result.records[name] = record
                default: break
                }
                for (path, digest) in record.outputs { upstream[path] = digest }
                // Up to date means the same key, hence the same record: nothing to write.
                if done.outcome != .upToDate { promote(name, record) }
            } else if vouched.contains(stage), done.outcome == .upToDate {
                result.vouched.insert(name)
            } else if !Coordinator.blocks(done.outcome) {
                unknownOutputs.insert(stage)
            }
            if case .failed = done.outcome, !keepGoing { stopping = true }
            observer.stageFinished(name, outcome: done.outcome, seconds: seconds)
            for dependent in graph.dependents[stage] where inBuild.contains(dependent) {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.push(dependent) }
            }
        }
        func skip(_ stage: Int, because reason: String) {
            finish(stage, StageResult(outcome: .skipped(because: reason)), seconds: 0)
        }

        while true {
            if isCancelled() { stopping = true }
            // Decide every stage whose dependencies are done.
            while let stage = ready.pop() {
                let started = clock.monotonicNow()
                if let blocker = graph.dependencies[stage].first(where: {
                    outcomes[$0].map(Coordinator.blocks) ?? false
                }) {
                    skip(stage, because: "'\(stages[blocker].name)' did not build")
                    continue
                }
                if stopping {
                    skip(stage, because: "the build stopped")
                    continue
                }
                let decision = planner.decide(
                    stage, previous: previous(stages[stage].name), upstream: upstream,
                    pendingDependency: graph.dependencies[stage].first(where: unknownOutputs.contains))
                if let settled = execution.settle(stage, stages[stage], decision) {
                    if case .vouched = decision { vouched.insert(stage) }
                    finish(stage, settled, seconds: Double(clock.monotonicNow() - started) / 1e9)
                } else {
                    queued.append((stage, decision, started, clock.monotonicNow()))
                }
            }
            // Start queued work up to the job limit, each stage when its cores and memory fit.
            while running < execution.jobs,
                let next = queued.firstIndex(where: { stage, decision, _, _ in
                    stopping || running == 0 || budget.fits(budget.demand(of: stage, decision), beside: inUse)
                })
            {
                let (stage, decision, decided, queuedAt) = queued.remove(at: next)
                // A stage's time is its deciding and its running, not its wait for a job slot or
                // for cores (a trainer queued behind another would otherwise show both runs).
                let started = decided + (clock.monotonicNow() - queuedAt)
                if stopping {
                    skip(stage, because: "the build stopped")
                    continue
                }
                running += 1
                let demand = budget.demand(of: stage, decision)
                reserved[stage] = demand
                inUse = inUse + demand
                if case .restore = decision {
                    observer.stageStarted(stages[stage].name, restoring: true)
                } else {
                    observer.stageStarted(stages[stage].name, restoring: false)
                }
                let workers = pool ?? WorkerPool(threads: execution.jobs)
                pool = workers
                let work = UnsafeSendableBox((execution, stages[stage], decision, clock))
                workers.submit {
                    let (execution, description, decision, clock) = work.value
                    let done = execution.perform(stage, description, decision)
                    let seconds = Double(clock.monotonicNow() - started) / 1e9
                    completions.withLock { $0.append(Completion(stage: stage, result: done, seconds: seconds)) }
                    signal.signal()
                }
            }
            if running == 0 && queued.isEmpty && ready.isEmpty { break }
            if running == 0 { continue }
            signal.wait()
            for completion in completions.withLock({ items in
                defer { items.removeAll() }; return items
            }) {
                running -= 1
                inUse = inUse - (reserved.removeValue(forKey: completion.stage) ?? .none)
                finish(completion.stage, completion.result, seconds: completion.seconds)
            }
        }
        return result
    }

    /// Whether an outcome keeps dependents from building.
    static func blocks(_ outcome: StageOutcome) -> Bool {
        switch outcome {
        case .failed, .skipped: return true
        default: return false
        }
    }
}
