import LeptonSystem
import Synchronization

/// Builds a pipeline: decides each stage in dependency order, runs or restores what changed,
/// in parallel up to `jobs`, and records the results in `Lepton.lock`.
///
/// The path of a build: load the lock and journal, hash the source inputs, then the
/// ``Coordinator`` asks the ``Planner`` for each stage's decision as its dependencies finish and
/// hands it to the execution (``LocalExecution``, or ``DryRunExecution`` for ``plan()``). Every
/// finished stage is appended to the journal at once and the lock is written at the end, so an
/// interrupted build loses nothing that finished.
public final class Builder: @unchecked Sendable {
    public let workspace: Workspace
    public let graph: BuildGraph
    let options: BuildOptions
    let evaluator: StageEvaluator
    let executor: StageExecutor
    let observer: any BuildObserver
    let clock: any Clock
    let runner: any ProcessRunner
    private let cancelled = Atomic<Bool>(false)

    public init(
        workspace: Workspace, pipeline: PipelineDescription, targets: TargetSources?, params: ParamsStore,
        statCache: StatCache, runner: any ProcessRunner, observer: any BuildObserver, clock: any Clock = SystemClock(),
        options: BuildOptions, graph: BuildGraph? = nil
    ) {
        self.workspace = workspace
        self.graph = graph ?? BuildGraph(pipeline: pipeline)
        self.options = options
        self.observer = observer
        self.clock = clock
        self.runner = runner
        let hasher = ContentHasher(
            root: workspace.root, statCache: statCache, clock: clock, observations: ObservationLog())
        params.preload(pipeline)
        self.evaluator = StageEvaluator(
            root: workspace.root, pipeline: pipeline, hasher: hasher, params: params, targets: targets)
        self.executor = StageExecutor(
            workspace: workspace, cache: ArtifactCache(directory: workspace.cacheDirectory), hasher: hasher,
            runner: runner, clock: clock, observer: observer, toolPath: options.toolPath,
            trainerToolPath: options.trainerToolPath, insideSwiftPM: options.insideSwiftPM, cluster: options.cluster,
            defaultExecutor: options.defaultExecutor)
    }

    /// Stops the build: no new stage starts, running process groups are terminated and
    /// submitted cluster jobs cancelled.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
        runner.terminateAll()
        options.cluster?.terminateAll()
    }

    private var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// What the build would do, decided exactly as ``build()`` decides, touching nothing: no
    /// state is written, nothing runs or is restored, and no lock is needed.
    public func plan() throws(LeptonError) -> Plan {
        let start = clock.monotonicNow()
        let order = buildOrder()
        let certified = certifiedStages()
        let coordinator = self.coordinator(
            planner(for: order, certified: certified, warnings: nil), execution: DryRunExecution())
        let state = try LockState.load(workspace: workspace, observer: observer, writeRecovered: false)
        state.retainToExit()
        let result = coordinator.run(order, previous: { state.record($0) }, promote: { _, _ in })
        ProcessLifetime.retain(self)
        return Plan(stages: result.outcomes, seconds: seconds(since: start))
    }

    /// Runs the build.
    ///
    /// - Throws: ``LeptonError`` only when Lepton's own state cannot be read or written; a
    ///   failing stage is reported in the summary, not thrown.
    public func build() throws(LeptonError) -> BuildSummary {
        if options.dryRun { return try plan().summary }
        let start = clock.monotonicNow()
        var phases = PhaseTimer(clock: clock, start: start)
        try workspace.prepare()
        // Read before it is removed: the stages it still vouches for are not decided again.
        let certified = certifiedStages()
        try PosixFileSystem().remove(workspace.noOpSnapshotFile)
        var state = try LockState.load(workspace: workspace, observer: observer, writeRecovered: true)
        phases.end(certified == nil ? "load lock and journal" : "check the snapshot, load lock and journal")
        let order = buildOrder()
        let resources = try resolvedResources()
        let budget = try self.budget(for: order, resources: resources)
        let planner = self.planner(for: order, certified: certified, warnings: observer)
        phases.end("hash source inputs")
        let isCancelled: @Sendable () -> Bool = { [self] in self.isCancelled }
        let remote = options.remote.map {
            RemoteStageSource(
                remote: $0, graph: graph, workspace: workspace, executor: executor, observer: observer,
                options: options, isCancelled: isCancelled)
        }
        let execution = LocalExecution(
            jobs: options.jobs + (options.cluster == nil ? 0 : options.clusterJobs), executor: executor,
            planner: planner, remote: remote, force: options.force,
            observer: observer, resources: resources)
        let result = coordinator(planner, execution: execution, budget: budget).run(
            order, previous: { state.record($0) }, promote: { state.update($0, $1) })
        // What the run history records for the stages left unread: the lock's bytes, read
        // before the save below replaces them.
        var unread: [String: ArraySlice<UInt8>] = [:]
        for name in result.vouched { unread[name] = state.recordBytes(name) }
        phases.end("decide, run and restore stages")
        if remote?.finish() == true { phases.end("finish uploads") }
        try state.save(keeping: Set(graph.pipeline.stages.map(\.name)))
        if executor.hasher.statCache.isDirty { try? executor.hasher.statCache.saveUpdates(to: workspace.statCacheFile) }
        phases.end("save lock and stat cache")
        let interrupted = isCancelled()
        let complete =
            result.outcomes.count == graph.pipeline.stages.count
            && result.outcomes.allSatisfy(\.outcome.isSuccess)
        if let context = options.snapshotContext, !interrupted, complete {
            NoOpSnapshot.certify(
                context: context, graph: graph, hasher: executor.hasher, params: evaluator.params,
                lockStatus: state.status, carried: certified?.unchanged ?? [], to: workspace.noOpSnapshotFile)
            phases.end("write no-op snapshot")
        }
        state.retainToExit()
        ProcessLifetime.retain(self)
        return BuildSummary(
            outcomes: result.outcomes, seconds: seconds(since: start), interrupted: interrupted,
            phases: phases.phases + (remote?.split ?? []), durations: result.durations, records: result.records,
            unreadRecords: unread, jobs: result.jobs)
    }

    /// Each stage's resources with their params read (`--set` overrides included).
    private func resolvedResources() throws(LeptonError) -> [StageResources] {
        var resolved: [StageResources] = []
        resolved.reserveCapacity(graph.pipeline.stages.count)
        for stage in graph.pipeline.stages {
            if stage.resources.isEmpty {
                resolved.append(StageResources())
            } else {
                resolved.append(
                    try stage.resources.resolve(
                        stage: stage.name, params: evaluator.params, paramsFile: graph.pipeline.paramsFile))
            }
        }
        return resolved
    }

    /// The machine's share for this build; a stage of `order` that can never fit in it, or that
    /// names an executor not set up, is an error before anything runs.
    private func budget(for order: [Int], resources: [StageResources]) throws(LeptonError) -> ResourceBudget {
        let capacity = ResourceBudget.Demand(
            cpus: options.cpus ?? SystemCores.count, memoryMiB: options.memoryMiB ?? SystemMemory.mebibytes,
            local: options.jobs, cluster: options.clusterJobs)
        let stages = graph.pipeline.stages
        for index in order {
            let executor = resources[index].executor ?? options.defaultExecutor
            let name = stages[index].name
            if executor != .local {
                if options.cluster?.kind != executor {
                    throw LeptonError(
                        .invalidPipeline,
                        "stage '\(name)' runs on \(executor.rawValue), which is not set up here; configure it in Lepton.config (see docs/cluster.md) or build with --executor local"
                    )
                }
                continue
            }
            if let cpus = resources[index].cpus, cpus > capacity.cpus {
                throw LeptonError(
                    .invalidPipeline,
                    "stage '\(name)' asks for \(cpus) cpus but this build may use \(capacity.cpus); lower its cpus, raise the budget with --cpus, or run it on a cluster (executor: .slurm)"
                )
            }
            if let memory = resources[index].memoryMiB, memory > capacity.memoryMiB {
                throw LeptonError(
                    .invalidPipeline,
                    "stage '\(name)' asks for \(memory) MiB of memory but this build may use \(capacity.memoryMiB) MiB; lower its memory, raise the budget with --memory, or run it on a cluster (executor: .slurm)"
                )
            }
        }
        return ResourceBudget(
            capacity: capacity, stages: stages, resources: resources, executor: options.defaultExecutor)
    }

    /// The stages asked for with everything they need, in dependency order.
    private func buildOrder() -> [Int] {
        let roots =
            options.targets.isEmpty
            ? Array(graph.pipeline.stages.indices) : options.targets.compactMap { graph.index[$0] }
        return graph.closure(of: roots)
    }

    /// The planner of a build of `order`, with the source inputs of the stages it must decide
    /// hashed ahead (on all cores: decisions must follow the graph, but source inputs do not).
    private func planner(for order: [Int], certified: CertifiedStages?, warnings: (any BuildObserver)?) -> Planner {
        var evaluator = self.evaluator
        let toDecide = certified.map { certified in order.filter { !certified.stages.contains($0) } } ?? order
        evaluator.prefetched = evaluator.prefetchSourceDigests(of: toDecide, graph: graph)
        let vouched = certified.map { certified in
            certified.stages.filter { graph.dependents[$0].allSatisfy(certified.stages.contains) }
        }
        return Planner(
            graph: graph, evaluator: evaluator, cache: executor.cache, force: options.force,
            gateBaseline: options.gateBaseline, root: workspace.root, observer: warnings,
            certified: certified?.stages ?? [], vouched: vouched ?? [])
    }

    /// What the last build's snapshot still vouches for, for a build of the whole pipeline.
    private func certifiedStages() -> CertifiedStages? {
        guard options.targets.isEmpty, let context = options.snapshotContext else { return nil }
        return CertifiedStages.read(
            workspace: workspace, context: context, graph: graph, targets: evaluator.targets, force: options.force)
    }

    private func coordinator(_ planner: Planner, execution: any StageExecution, budget: ResourceBudget? = nil)
        -> Coordinator
    {
        Coordinator(
            graph: graph, planner: planner, execution: execution, observer: observer, clock: clock,
            keepGoing: options.keepGoing,
            budget: budget ?? ResourceBudget.unlimited(stages: graph.pipeline.stages.count, jobs: options.jobs),
            isCancelled: { [self] in self.isCancelled })
    }

    private func seconds(since start: UInt64) -> Double { Double(clock.monotonicNow() - start) / 1e9 }
}
