import LeptonSystem

/// Decides each stage: up to date, restore from the run cache, or run, with the reasons.
///
/// The one place decisions are made, so that `lepton status`, `build --dry-run` and `build`
/// agree by construction: the build asks it stage by stage as upstream outputs become known,
/// and a dry run asks it the same way without running anything (see ``Plan``).
struct Planner: Sendable {
    let graph: BuildGraph
    var evaluator: StageEvaluator
    let cache: ArtifactCache
    let force: Set<String>
    let gateBaseline: [String: Double]
    let root: String
    /// Warnings about damaged cache entries go here; nil in a dry run (it repairs nothing).
    let observer: (any BuildObserver)?
    /// Stages the no-op snapshot still vouches for (see ``CertifiedStages``): up to date with
    /// their record in the lock, decided without hashing anything.
    var certified: Set<Int> = []
    /// Certified stages whose dependents are all certified too: nothing decided needs their
    /// records, so they are not read (``StageDecision/vouched``).
    var vouched: Set<Int> = []

    /// Decides a stage whose dependencies are decided.
    ///
    /// - Parameters:
    ///   - stage: The stage, by index in the pipeline.
    ///   - readPrevious: The stage's record in the lock, if any; not read for a vouched stage.
    ///   - upstream: Output digests of the stages decided so far.
    ///   - pendingDependency: A dependency whose outputs are unknown until it runs (dry run).
    /// - Returns: What the stage needs, with the reasons.
    func decide(
        _ stage: Int, previous readPrevious: @autoclosure () -> StageRecord?, upstream: [String: PathDigest],
        pendingDependency: Int? = nil
    ) -> StageDecision {
        if vouched.contains(stage) && pendingDependency == nil { return .vouched }
        let description = graph.pipeline.stages[stage]
        let previous = readPrevious()
        if let pendingDependency {
            return pending(description, previous: previous, upstream: upstream, after: pendingDependency)
        }
        if certified.contains(stage), let previous { return .upToDate(previous) }
        var record: StageRecord
        do throws(LeptonError) {
            record = try evaluator.record(for: description, upstream: upstream)
        } catch {
            var failure = StageFailure(message: error.message)
            failure.isConfigurationError = error.code == .invalidPipeline
            return .failed(failure)
        }
        if force.contains(description.name) { return .run(record, reasons: [.forced]) }
        if let previous, previous.key == record.key {
            record.outputs = previous.outputs
            let problems = evaluator.outputProblems(previous.outputs)
            if problems.isEmpty { return .upToDate(record) }
            if previous.outputs.values.allSatisfy(cache.contains) { return .restore(record, reasons: problems) }
            return .run(record, reasons: problems)
        }
        let reasons = RebuildReason.differences(from: previous, to: record)
        switch cache.runEntryLookup(for: record.key) {
        case .found(let entry):
            if Set(entry.outputs.keys) == Set(description.allOutputs.map(\.path)),
                entry.outputs.values.allSatisfy(cache.contains)
            {
                record.outputs = entry.outputs
                return .restore(record, reasons: reasons)
            }
            observer?.warning(
                "stage '\(description.name)': the cache lacks an intact object or manifest of its earlier run with these inputs (damaged or removed by gc); running it"
            )
        case .damaged:
            observer?.warning(
                "stage '\(description.name)': its run-cache entry is damaged; running it (a new entry replaces it)")
        case .absent:
            break
        }
        return .run(record, reasons: reasons)
    }

    /// A dry run's decision for a stage behind one that will run: the upstream outputs are
    /// unknown until then. Assuming they come out as last time (early cutoff), a stage whose own
    /// ingredients changed runs for certain, and its reasons say which; one whose did not runs
    /// only if an upstream output changes, and ``upstreamWillRun`` is its only reason.
    private func pending(
        _ description: StageDescription, previous: StageRecord?, upstream: [String: PathDigest], after dependency: Int
    ) -> StageDecision {
        let waiting = RebuildReason.upstreamWillRun(graph.pipeline.stages[dependency].name)
        guard let previous else { return .pending(reasons: [.newStage, waiting]) }
        if force.contains(description.name) { return .pending(reasons: [.forced, waiting]) }
        var assumed = upstream
        for (path, digest) in previous.inputs where assumed[path] == nil && !graph.producers(touching: path).isEmpty {
            assumed[path] = PathDigest(kind: .file, digest: digest)
        }
        guard let record = try? evaluator.record(for: description, upstream: assumed), record.key != previous.key
        else { return .pending(reasons: [waiting]) }
        return .pending(reasons: RebuildReason.differences(from: previous, to: record) + [waiting])
    }

    /// The stage's failed quality gates, nil when they hold or it has none.
    func gateFailure(of stage: StageDescription) -> StageFailure? {
        let pipelineGates = stage.metrics.isEmpty ? [] : graph.pipeline.gates
        guard !stage.gates.isEmpty || !pipelineGates.isEmpty else { return nil }
        return GateCheck.failure(of: stage, pipelineGates: pipelineGates, root: root, baseline: gateBaseline)
    }
}
