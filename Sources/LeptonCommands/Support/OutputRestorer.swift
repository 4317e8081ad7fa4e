import LeptonCore

/// Prints and applies an ``OutputCheckout`` (`lepton checkout`, `lepton pull`); the caller holds
/// the build lock.
struct OutputRestorer {
    let workspace: Workspace
    let cache: ArtifactCache
    let console: Console
    let verbose: Bool
    let dryRun: Bool

    /// Restores the outputs of each stage's record; returns how many changed (or would).
    func restore(_ stages: [String: StageRecord]) throws -> Int {
        let checkout = OutputCheckout(workspace: workspace, cache: cache)
        let (changes, unchanged) = try checkout.plan(stages)
        if verbose { for path in unchanged { console.line("  unchanged  \(path)") } }
        if dryRun {
            for change in changes {
                console.line("  would restore  \(change.path) \(console.dim("(\(change.stage))"))")
            }
            return changes.count
        }
        try checkout.apply(changes, records: stages)
        for change in changes {
            let was = change.previous.map { " (was \($0.digest.prefix(12)), kept in the cache)" } ?? ""
            console.line("  restored   \(change.path) \(console.dim("(\(change.stage))\(was)"))")
        }
        return changes.count
    }

    /// Records the stages in Lepton.lock (and drops the no-op snapshot, which no longer holds).
    static func recordInLock(_ stages: [String: StageRecord], workspace: Workspace) throws {
        try OutputCheckout(workspace: workspace, cache: ArtifactCache(directory: workspace.cacheDirectory))
            .recordInLock(stages)
    }
}
