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
    var evaluator: StageEvaluator
    let executor: StageExecutor
    let observer: any BuildObserver
    let clock: any Clock
    let runner: any ProcessRunner
    let fileSystem = FileSystem()
    private let cancelled = Atomic<Bool>(false)
    /// Per stage: outputs restored from the remote cache but left on the server until a stage
    /// that runs needs them.
    private let deferred: [DeferredOutputs]
    /// Stages whose remote hits are downloaded at once (see ``remoteDownloadsAtOnce``).
    private let downloadsAtOnce: Set<Int>
    /// Uploads of stages that ran, off the build's critical path; `build()` waits for them.
    private let uploader = Mutex<WorkerPool?>(nil)

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
            trainerToolPath: options.trainerToolPath)
        self.deferred = self.graph.pipeline.stages.map { _ in DeferredOutputs() }
        self.downloadsAtOnce = Builder.remoteDownloadsAtOnce(graph: self.graph, options: options)
    }

    /// The stages whose outputs a remote hit downloads at once rather than leaving on the server:
    /// the stages asked for (all stages nothing depends on when none is named), stages with
    /// metrics or gates (gates, `lepton metrics` and run records read them), or all with
    /// ``BuildOptions/remoteDownloadAll``. Others are downloaded only when a stage that runs
    /// needs them.
    static func remoteDownloadsAtOnce(graph: BuildGraph, options: BuildOptions) -> Set<Int> {
        let stages = graph.pipeline.stages
        if options.remoteDownloadAll { return Set(stages.indices) }
        var result = Set(options.targets.compactMap { graph.index[$0] })
        for index in stages.indices {
            if options.targets.isEmpty && graph.dependents[index].isEmpty { result.insert(index) }
            if !stages[index].metrics.isEmpty || !stages[index].gates.isEmpty { result.insert(index) }
        }
        return result
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
        var phases: [(name: String, seconds: Double)] = []
        var phaseStart = start
        func phase(_ name: String) {
            let now = clock.monotonicNow()
            phases.append((name, Double(now - phaseStart) / 1e9))
            phaseStart = now
        }
        try workspace.prepare()
        if !options.dryRun { try fileSystem.remove(workspace.noOpSnapshotFile) }
        var state = try LockState.load(workspace: workspace, observer: observer, writeRecovered: !options.dryRun)
        phase("load lock and journal")
        let roots =
            options.targets.isEmpty
            ? Array(graph.pipeline.stages.indices) : options.targets.compactMap { graph.index[$0] }
        let order = graph.closure(of: roots)
        let inBuild = Set(order)
        evaluator.prefetched = prefetchSourceDigests(of: order)
        phase("hash source inputs")

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
        let pool = WorkerPool(threads: options.dryRun ? 1 : options.jobs)
        defer { pool.shutdown() }
        if let remote = options.remote, remote.uploads, !options.dryRun {
            uploader.withLock { $0 = WorkerPool(threads: 2) }
        }

        var durations: [String: Double] = [:]
        var records: [String: StageRecord] = [:]
        func finish(_ stage: Int, _ outcome: StageOutcome, record: StageRecord?, seconds: Double) {
            let name = graph.pipeline.stages[stage].name
            outcomes[stage] = outcome
            durations[name] = seconds
            summary.append((name, outcome))
            if let record {
                switch outcome {
                case .upToDate, .ran, .restored: records[name] = record
                default: break
                }
                for (path, digest) in record.outputs { upstream[path] = digest }
                // Up to date means the same key, hence the same record: nothing to write.
                if !options.dryRun && outcome != .upToDate { state.update(name, record) }
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
                    finish(
                        stage, .skipped(because: "'\(graph.pipeline.stages[blocker].name)' did not build"), record: nil,
                        seconds: 0)
                    continue
                }
                if stopping {
                    finish(stage, .skipped(because: "the build stopped"), record: nil, seconds: 0)
                    continue
                }
                if options.dryRun,
                    let pending = graph.dependencies[stage].first(where: { Builder.isPending(outcomes[$0]) })
                {
                    let reason = RebuildReason.upstreamWillRun(graph.pipeline.stages[pending].name)
                    finish(stage, .wouldRun(reasons: [reason]), record: nil, seconds: 0)
                    continue
                }
                let decision = decide(
                    stage, previous: state.lock.stages[graph.pipeline.stages[stage].name], upstream: upstream)
                let seconds = Double(clock.monotonicNow() - decisionStart) / 1e9
                switch decision {
                case .upToDate(let record):
                    // A gate is checked whenever its stage is in the build, up to date or not:
                    // a tightened gate must fail the build.
                    if !options.dryRun, let failure = gateFailure(of: graph.pipeline.stages[stage]) {
                        finish(stage, .failed(failure), record: nil, seconds: seconds)
                    } else {
                        finish(stage, .upToDate, record: record, seconds: seconds)
                    }
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
                pool.submit {
                    let (builder, decision) = work.value
                    let (outcome, record) = builder.perform(stage, description, decision)
                    let seconds = Double(builder.clock.monotonicNow() - started) / 1e9
                    completions.withLock {
                        $0.append(Completion(stage: stage, outcome: outcome, record: record, seconds: seconds))
                    }
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
                finish(completion.stage, completion.outcome, record: completion.record, seconds: completion.seconds)
            }
        }
        phase("decide, run and restore stages")
        if let uploads = uploader.withLock({ $0 }) {
            uploads.shutdown()
            phase("finish uploads")
        }
        if !options.dryRun {
            try state.save(keeping: Set(graph.pipeline.stages.map(\.name)))
            if executor.hasher.statCache.isDirty { try? executor.hasher.statCache.save(to: workspace.statCacheFile) }
        }
        phase("save lock and stat cache")
        let interrupted = cancelled.load(ordering: .relaxed)
        let complete =
            summary.count == graph.pipeline.stages.count
            && summary.allSatisfy { outcome in
                switch outcome.outcome {
                case .upToDate, .ran, .restored: return true
                default: return false
                }
            }
        if let context = options.snapshotContext, !options.dryRun, !interrupted, complete {
            writeSnapshot(context: context, lockStatus: state.status)
            phase("write no-op snapshot")
        }
        return BuildSummary(
            outcomes: summary, seconds: Double(clock.monotonicNow() - start) / 1e9, interrupted: interrupted,
            phases: phases, durations: durations, records: records)
    }

    /// Certifies the state this build left (see ``NoOpSnapshot``); writes nothing if any status
    /// the decisions used was unstable or racy.
    private func writeSnapshot(context: String, lockStatus: FileStatus?) {
        guard var entries = executor.hasher.observations?.entries(), let lockStatus else { return }
        for (path, status) in evaluator.params.statuses {
            guard let status else { return }
            entries.append((path, status))
        }
        entries.append((LockFile.fileName, lockStatus))
        let snapshot = NoOpSnapshot(
            context: context, environmentNames: graph.pipeline.environmentNames,
            stageCount: graph.pipeline.stages.count, entries: entries)
        try? fileSystem.writeAtomically(snapshot.bytes, to: workspace.noOpSnapshotFile, durable: false)
    }

    /// Hashes (or finds in the stat cache) every input no stage produces, on all cores, before
    /// the decisions: those must follow the graph's order, but source inputs do not.
    private func prefetchSourceDigests(of stages: [Int]) -> [String: PathDigest?] {
        var paths = Set<String>()
        for stage in stages {
            let description = graph.pipeline.stages[stage]
            for spec in description.inputs + description.code {
                switch spec.kind {
                case .path, .file, .folder:
                    if graph.producers(of: spec).isEmpty { paths.insert(spec.path) }
                case .target:
                    for file in evaluator.targets?.targets[spec.path] ?? []
                    where graph.producers(touching: file).isEmpty {
                        paths.insert(file)
                    }
                case .glob:
                    continue
                }
            }
        }
        let all = UnsafeSendableBox(Array(paths))
        let results = Mutex<[String: PathDigest?]>([:])
        let hasher = evaluator.hasher
        Parallel.forEachRange(count: all.value.count, minimumPerWorker: 256) { range in
            var found: [String: PathDigest?] = [:]
            found.reserveCapacity(range.count)
            for path in all.value[range] {
                do throws(LeptonError) {
                    found[path] = .some(try hasher.digest(of: path))
                } catch {
                    continue  // unreadable: the decision reports it
                }
            }
            results.withLock { $0.merge(found) { first, _ in first } }
        }
        return results.withLock { $0 }
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
            var failure = StageFailure(message: error.message)
            failure.isConfigurationError = error.code == .invalidPipeline
            return .failed(failure)
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
        if let entry = cache.runEntry(for: record.key) {
            if Set(entry.outputs.keys) == Set(description.allOutputs.map(\.path)),
                entry.outputs.values.allSatisfy(cache.contains)
            {
                record.outputs = entry.outputs
                return .restore(record, reasons: reasons)
            }
            if !options.dryRun {
                observer.warning(
                    "stage '\(description.name)': the cache lacks an intact object or manifest of its earlier run with these inputs (damaged or removed by gc); running it"
                )
            }
        } else if cache.hasRunEntryFile(for: record.key) && !options.dryRun {
            observer.warning(
                "stage '\(description.name)': its run-cache entry is damaged; running it (a new entry replaces it)")
        }
        return .run(record, reasons: reasons)
    }

    /// Restores or runs a stage and checks its quality gates, on a worker thread.
    private func perform(_ index: Int, _ stage: StageDescription, _ decision: Decision) -> (StageOutcome, StageRecord?)
    {
        let (outcome, record) = performWithoutGates(index, stage, decision)
        guard !options.dryRun, record != nil else { return (outcome, record) }
        switch outcome {
        case .ran, .restored, .upToDate: break
        default: return (outcome, record)
        }
        if let failure = gateFailure(of: stage) {
            // Not promoted: the lock keeps the previous record and later stages do not run; the
            // outputs stay in the workspace for inspection and in the cache (a rebuild restores
            // and checks them again instead of rerunning).
            return (.failed(failure), nil)
        }
        return (outcome, record)
    }

    /// The stage's failed quality gates, nil when they hold or it has none.
    private func gateFailure(of stage: StageDescription) -> StageFailure? {
        let pipelineGates = stage.metrics.isEmpty ? [] : graph.pipeline.gates
        guard !stage.gates.isEmpty || !pipelineGates.isEmpty else { return nil }
        return GateCheck.failure(
            of: stage, pipelineGates: pipelineGates, root: workspace.root, baseline: options.gateBaseline)
    }

    private func performWithoutGates(
        _ index: Int, _ stage: StageDescription, _ decision: Decision
    ) -> (StageOutcome, StageRecord?) {
        switch decision {
        case .restore(let record, let reasons):
            do throws(LeptonError) {
                try executor.restore(record.outputs, stage: stage.name)
                return (.restored(reasons: reasons), record)
            } catch {
                // A damaged or missing object: run the stage instead of giving up.
                observer.warning("stage '\(stage.name)': \(error.message); running it instead")
                return performWithoutGates(index, stage, .run(record, reasons: reasons))
            }
        case .run(let record, let reasons):
            if let remote = options.remote, !options.force.contains(stage.name),
                let restored = restoreFromRemote(index, stage, record: record, reasons: reasons, remote: remote)
            {
                return restored
            }
            if let failure = downloadDeferredInputs(of: index) { return (.failed(failure), nil) }
            switch executor.run(stage, record: record) {
            case .success(let result):
                upload(result.key, stage: stage.name)
                return (.ran(reasons: reasons), result)
            case .failure(let failure): return (.failed(failure), nil)
            }
        case .upToDate(let record):
            return (.upToDate, record)
        case .failed(let failure):
            return (.failed(failure), nil)
        }
    }

    // MARK: Remote cache

    /// Restores a stage from a complete remote entry: downloads and restores its outputs, or
    /// defers them when nothing needs them in the workspace yet and nothing stale is there.
    /// Nil on a miss, or when the download fails (the stage then runs).
    private func restoreFromRemote(
        _ index: Int, _ stage: StageDescription, record: StageRecord, reasons: [RebuildReason], remote: RemoteCache
    ) -> (StageOutcome, StageRecord?)? {
        guard let entry = remote.lookup(record.key),
            Set(entry.outputs.keys) == Set(stage.allOutputs.map(\.path))
        else { return nil }
        var record = record
        record.outputs = entry.outputs
        let absent = entry.outputs.keys.allSatisfy {
            fileSystem.status(RelativePath.join(workspace.root, $0)) == nil
        }
        if absent && !downloadsAtOnce.contains(index) {
            deferred[index].store(entry)
            return (.restored(reasons: reasons, from: .remote(bytes: 0, deferred: true)), record)
        }
        switch downloadAndRestore(entry, stage: stage.name, remote: remote) {
        case .success(let bytes):
            return (.restored(reasons: reasons, from: .remote(bytes: bytes, deferred: false)), record)
        case .failure(let problem):
            observer.warning("stage '\(stage.name)': \(problem.message); running it instead")
            return nil
        }
    }

    /// Downloads a remote hit's outputs (verified), restores them into the workspace and records
    /// the entry in the local run cache, so a later build restores them without the network.
    private func downloadAndRestore(
        _ entry: RunCacheEntry, stage: String, remote: RemoteCache
    ) -> Result<Int64, RemoteError> {
        let bytes: Int64
        do throws(RemoteError) {
            bytes = try remote.download(Array(entry.outputs.values))
        } catch {
            return .failure(error)
        }
        do throws(LeptonError) {
            try executor.restore(entry.outputs, stage: stage, trusted: remote.verifiedDownloads)
            try executor.cache.writeRunEntry(entry)
        } catch {
            return .failure(RemoteError(.other, error.message))
        }
        return .success(bytes)
    }

    /// Queues the upload of a stage that ran (its blobs, then its entry) when the build may write;
    /// dependents do not wait for it.
    private func upload(_ key: String, stage: String) {
        guard let remote = options.remote, let uploads = uploader.withLock({ $0 }) else { return }
        uploads.submit { [self] in
            guard !cancelled.load(ordering: .relaxed), let entry = executor.cache.runEntry(for: key) else { return }
            do throws(RemoteError) {
                try remote.upload(entry)
            } catch {
                observer.warning("stage '\(stage)': not uploaded to the remote cache: \(error.message)")
            }
        }
    }

    /// Downloads and restores the deferred outputs of a stage's dependencies before it runs.
    private func downloadDeferredInputs(of index: Int) -> StageFailure? {
        guard let remote = options.remote else { return nil }
        for dependency in graph.dependencies[index] {
            let name = graph.pipeline.stages[dependency].name
            let problem = deferred[dependency].takeAndFetch { entry -> RemoteError? in
                if case .failure(let problem) = downloadAndRestore(entry, stage: name, remote: remote) {
                    return problem
                }
                return nil
            }
            if let problem {
                return StageFailure(
                    message:
                        "its input from stage '\(name)' could not be downloaded from the remote cache (\(problem.message)); build again, or with --no-remote to run '\(name)' here"
                )
            }
        }
        return nil
    }
}

/// A remote hit's outputs left on the server; the first stage that needs them downloads them
/// while others that need them wait.
final class DeferredOutputs: Sendable {
    private let entry = Mutex<RunCacheEntry?>(nil)

    func store(_ value: RunCacheEntry) { entry.withLock { $0 = value } }

    /// Runs `fetch` on the deferred entry, if any, holding the lock; clears it on success.
    /// Returns `fetch`'s problem, nil when there was nothing to do or it succeeded.
    func takeAndFetch(_ fetch: (RunCacheEntry) -> RemoteError?) -> RemoteError? {
        entry.withLock { value in
            guard let current = value else { return nil }
            let problem = fetch(current)
            if problem == nil { value = nil }
            return problem
        }
    }
}
