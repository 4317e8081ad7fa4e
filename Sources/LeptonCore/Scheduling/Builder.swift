import Dispatch
import Synchronization

/// Builds a pipeline: decides each stage in dependency order, runs or restores what changed,
/// in parallel up to `jobs`, and records the results in `Lepton.lock`.
///
/// The coordinator (the caller's thread) decides stages as their dependencies finish:
/// up to date, restore from the run cache, or run. Restores and runs happen on worker threads.
/// Every finished stage is appended to the journal at once, and the lock is written at the end,
/// so an interrupted build loses nothing that finished.
public final class Builder: @unchecked Sendable {
    public let workspace: Workspace
    public let graph: BuildGraph
    let options: BuildOptions
    let evaluator: StageEvaluator
    let executor: StageExecutor
    let observer: any BuildObserver
    let clock: any Clock
    let runner: any ProcessRunner
    let fileSystem = FileSystem()
    private let cancelled = Atomic<Bool>(false)

    public init(
        workspace: Workspace, pipeline: PipelineDescription, targets: TargetSources?, params: ParamsStore,
        statCache: StatCache, runner: any ProcessRunner, observer: any BuildObserver, clock: any Clock = SystemClock(),
        options: BuildOptions
    ) {
        self.workspace = workspace
        self.graph = BuildGraph(pipeline: pipeline)
        self.options = options
        self.observer = observer
        self.clock = clock
        self.runner = runner
        let hasher = ContentHasher(root: workspace.root, statCache: statCache, clock: clock)
        params.preload(pipeline)
        self.evaluator = StageEvaluator(root: workspace.root, pipeline: pipeline, hasher: hasher, params: params, targets: targets)
        self.executor = StageExecutor(
            workspace: workspace, cache: ArtifactCache(directory: workspace.cacheDirectory), hasher: hasher,
            runner: runner, clock: clock)
    }

    /// Stops the build: no new stage starts, and running process groups are terminated.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
        runner.terminateAll()
    }

    /// What the coordinator decided for a stage.
    private enum Decision {
        case upToDate(StageRecord)
        case restore(StageRecord, reasons: [RebuildReason])
        case run(StageRecord, reasons: [RebuildReason])
        case failed(StageFailure)
    }

    private struct Completion {
        var stage: Int
        var outcome: StageOutcome
        var record: StageRecord?
        var seconds: Double
    }

    /// Runs the build.
    ///
    /// - Throws: ``LeptonError`` only when Lepton's own state cannot be read or written; a
    ///   failing stage is reported in the summary, not thrown.
    public func build() throws(LeptonError) -> BuildSummary {
        let start = clock.monotonicNow()
        try workspace.prepare()
        var state = try LockState.load(workspace: workspace, observer: observer, writeRecovered: !options.dryRun)
        let roots = options.targets.isEmpty
            ? Array(graph.pipeline.stages.indices) : options.targets.compactMap { graph.index[$0] }
        let order = graph.closure(of: roots)
        let inBuild = Set(order)

        var remaining = [Int](repeating: 0, count: graph.pipeline.stages.count)
        for stage in order { remaining[stage] = graph.dependencies[stage].filter(inBuild.contains).count }
        var ready = MinHeap(order.filter { remaining[$0] == 0 })
        var outcomes: [Int: StageOutcome] = [:]
        var summary: [(stage: String, outcome: StageOutcome)] = []
        var upstream: [String: PathDigest] = [:]
        var queued: [(Int, Decision, UInt64)] = []
        var running = 0
        var stopping = false
        let completions = Mutex<[Completion]>([])
        let signal = DispatchSemaphore(value: 0)

        func finish(_ stage: Int, _ outcome: StageOutcome, record: StageRecord?, seconds: Double) {
            let name = graph.pipeline.stages[stage].name
            outcomes[stage] = outcome
            summary.append((name, outcome))
            if let record {
                for (path, digest) in record.outputs { upstream[path] = digest }
                if !options.dryRun { state.update(name, record) }
            }
            if case .failed = outcome, !options.keepGoing { stopping = true }
            observer.stageFinished(name, outcome: outcome, seconds: seconds)
            for dependent in graph.dependents[stage] where inBuild.contains(dependent) {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.push(dependent) }
            }
        }

        while true {
            if cancelled.load(ordering: .relaxed) { stopping = true }
            // Decide every stage whose dependencies are done.
            while let stage = ready.pop() {
                let decisionStart = clock.monotonicNow()
                if let blocker = graph.dependencies[stage].first(where: { outcomes[$0].map(Builder.blocks) ?? false }) {
                    finish(stage, .skipped(because: "'\(graph.pipeline.stages[blocker].name)' did not build"), record: nil, seconds: 0)
                    continue
                }
                if stopping {
                    finish(stage, .skipped(because: "the build stopped"), record: nil, seconds: 0)
                    continue
                }
                if options.dryRun, let pending = graph.dependencies[stage].first(where: { Builder.isPending(outcomes[$0]) }) {
                    let reason = RebuildReason.upstreamWillRun(graph.pipeline.stages[pending].name)
                    finish(stage, .wouldRun(reasons: [reason]), record: nil, seconds: 0)
                    continue
                }
                let decision = decide(stage, previous: state.lock.stages[graph.pipeline.stages[stage].name], upstream: upstream)
                let seconds = Double(clock.monotonicNow() - decisionStart) / 1e9
                switch decision {
                case .upToDate(let record):
                    finish(stage, .upToDate, record: record, seconds: seconds)
                case .failed(let failure):
                    finish(stage, .failed(failure), record: nil, seconds: seconds)
                case .restore(let record, let reasons) where options.dryRun:
                    finish(stage, .wouldRestore(reasons: reasons), record: record, seconds: 0)
                case .run(_, let reasons) where options.dryRun:
                    finish(stage, .wouldRun(reasons: reasons), record: nil, seconds: 0)
                case .restore, .run:
                    queued.append((stage, decision, decisionStart))
                }
            }
            // Start queued work up to the job limit.
            while running < options.jobs, !queued.isEmpty {
                let (stage, decision, started) = queued.removeFirst()
                if stopping {
                    finish(stage, .skipped(because: "the build stopped"), record: nil, seconds: 0)
                    continue
                }
                running += 1
                let description = graph.pipeline.stages[stage]
                let isRestore: Bool
                if case .restore = decision { isRestore = true } else { isRestore = false }
                observer.stageStarted(description.name, restoring: isRestore)
                let work = UnsafeSendableBox((self, decision))
                Thread.detach {
                    let (builder, decision) = work.value
                    let (outcome, record) = builder.perform(description, decision)
                    let seconds = Double(builder.clock.monotonicNow() - started) / 1e9
                    completions.withLock { $0.append(Completion(stage: stage, outcome: outcome, record: record, seconds: seconds)) }
                    signal.signal()
                }
            }
            if running == 0 && queued.isEmpty && ready.isEmpty { break }
            if running == 0 { continue }
            signal.wait()
            for completion in completions.withLock({ items in defer { items.removeAll() }; return items }) {
                running -= 1
                finish(completion.stage, completion.outcome, record: completion.record, seconds: completion.seconds)
            }
        }
        if !options.dryRun {
            try state.save(keeping: Set(graph.pipeline.stages.map(\.name)))
            try? executor.hasher.statCache.save(to: workspace.statCacheFile)
        }
        let interrupted = cancelled.load(ordering: .relaxed)
        return BuildSummary(outcomes: summary, seconds: Double(clock.monotonicNow() - start) / 1e9, interrupted: interrupted)
    }

    /// Whether an outcome keeps dependents from building.
    private static func blocks(_ outcome: StageOutcome) -> Bool {
        switch outcome {
        case .failed, .skipped: return true
        default: return false
        }
    }

    /// Dry run: whether a stage's outputs are unknown until it runs.
    private static func isPending(_ outcome: StageOutcome?) -> Bool {
        if case .wouldRun = outcome { return true }
        return false
    }

    /// Decides what a stage needs, on the coordinator thread.
    private func decide(_ stage: Int, previous: StageRecord?, upstream: [String: PathDigest]) -> Decision {
        let description = graph.pipeline.stages[stage]
        var record: StageRecord
        do throws(LeptonError) {
            record = try evaluator.record(for: description, upstream: upstream)
        } catch {
            return .failed(StageFailure(message: error.message))
        }
        if options.force.contains(description.name) { return .run(record, reasons: [.forced]) }
        let cache = executor.cache
        if let previous, previous.key == record.key {
            record.outputs = previous.outputs
            let problems = evaluator.outputProblems(previous.outputs)
            if problems.isEmpty { return .upToDate(record) }
            if previous.outputs.values.allSatisfy(cache.contains) { return .restore(record, reasons: problems) }
            return .run(record, reasons: problems)
        }
        let reasons = RebuildReason.differences(from: previous, to: record)
        if let entry = cache.runEntry(for: record.key),
            Set(entry.outputs.keys) == Set(description.allOutputs.map(\.path)),
            entry.outputs.values.allSatisfy(cache.contains)
        {
            record.outputs = entry.outputs
            return .restore(record, reasons: reasons)
        }
        return .run(record, reasons: reasons)
    }

    /// Restores or runs a stage, on a worker thread.
    private func perform(_ stage: StageDescription, _ decision: Decision) -> (StageOutcome, StageRecord?) {
        switch decision {
        case .restore(let record, let reasons):
            do throws(LeptonError) {
                try executor.restore(record.outputs)
                return (.restored(reasons: reasons), record)
            } catch {
                // A damaged or missing object: run the stage instead of giving up.
                observer.warning("stage '\(stage.name)': \(error.message); running it instead")
                return perform(stage, .run(record, reasons: reasons))
            }
        case .run(let record, let reasons):
            switch executor.run(stage, record: record) {
            case .success(let result): return (.ran(reasons: reasons), result)
            case .failure(let failure): return (.failed(failure), nil)
            }
        case .upToDate(let record):
            return (.upToDate, record)
        case .failed(let failure):
            return (.failed(failure), nil)
        }
    }
}
