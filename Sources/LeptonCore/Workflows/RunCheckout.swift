import LeptonSystem

/// `lepton checkout RUN`: puts an earlier run's outputs back from the cache (a model rollback),
/// holding the build lock, and records that run's stages in `Lepton.lock`.
///
/// Every object is checked first, under the lock (a concurrent `cache gc` cannot remove one
/// between the check and the restore): if one is missing, nothing changes.
public struct RunCheckout: Sendable {
    public let workspace: Workspace
    public let events: WorkflowEvents

    public init(workspace: Workspace, events: WorkflowEvents = WorkflowEvents()) {
        self.workspace = workspace
        self.events = events
    }

    /// What a checkout changed (or, in a dry run, would change).
    public struct Result: Sendable {
        public var run: RunRecord
        public var changes: [OutputCheckout.Change]
        public var unchanged: [String]
    }

    /// Checks out `name` (an id, an id prefix, a tag, or `latest`), only `stages` when given.
    ///
    /// - Throws: ``LeptonError`` ``LeptonError/Code/usage`` for an unknown run or a stage the
    ///   run has no outputs of; ``LeptonError/Code/cacheMiss`` naming the outputs the cache no
    ///   longer holds (nothing was changed).
    public func checkout(_ name: String, stages: [String] = [], dryRun: Bool = false) throws(LeptonError) -> Result {
        let run: RunRecord
        do throws(LeptonError) {
            run = try RunHistory(workspace: workspace).resolve(name)
        } catch {
            throw LeptonError(.usage, error.message)
        }
        let unknown = stages.filter { run.stages[$0]?.record == nil }
        if !unknown.isEmpty {
            throw LeptonError(
                .usage,
                "run \(run.id) has no outputs of stage(s) \(unknown.map { "'\($0)'" }.joined(separator: ", ")); "
                    + "its stages: \(run.stages.keys.sorted().joined(separator: ", "))")
        }
        let chosen = run.stages.filter { stages.isEmpty || stages.contains($0.key) }.compactMapValues(\.record)
        let cache = ArtifactCache(directory: workspace.cacheDirectory)
        return try WorkspaceLock.holding(
            workspace, command: "lepton checkout", outputs: chosen.values.flatMap { Array($0.outputs.keys) },
            events: events
        ) { () throws(LeptonError) -> Result in
            let restorer = WorkspaceRestorer(workspace: workspace, cache: cache)
            let missing = chosen.flatMap { stage, record in
                record.outputs.filter { (try? restorer.check([$0.key: $0.value], stage: stage)) == nil }
                    .map { "\($0.key) (stage '\(stage)')" }
            }
            guard missing.isEmpty else {
                throw LeptonError(
                    .cacheMiss,
                    "cannot check out run \(run.id): the cache no longer holds \(missing.sorted().joined(separator: ", ")); "
                        + "nothing was changed (pull them from a remote cache, or rebuild that run's inputs)")
            }
            let checkout = OutputCheckout(workspace: workspace, cache: cache)
            let (changes, unchanged) = try checkout.plan(chosen)
            if !dryRun {
                try checkout.apply(changes, records: chosen)
                try checkout.recordInLock(chosen)
            }
            return Result(run: run, changes: changes, unchanged: unchanged)
        }
    }
}
