import LeptonSystem

/// `lepton pull`: downloads the outputs `Lepton.lock` records from the remote cache (each blob
/// verified) and puts those whose content differs into the workspace, holding the build lock.
/// An output edited by hand is kept in the local cache before it is replaced.
public struct OutputPull: Sendable {
    public let workspace: Workspace
    public let remote: RemoteCache
    public let events: WorkflowEvents
    let clock: any Clock

    public init(
        workspace: Workspace, remote: RemoteCache, events: WorkflowEvents = WorkflowEvents(),
        clock: any Clock = SystemClock()
    ) {
        self.workspace = workspace
        self.remote = remote
        self.events = events
        self.clock = clock
    }

    /// What a pull did.
    public struct Result: Sendable {
        /// The stages whose outputs are now in the local cache.
        public var pulled: [String] = []
        /// The stages that could not be downloaded, with why.
        public var failed: [(stage: String, message: String)] = []
        /// The outputs restored into the workspace.
        public var changes: [OutputCheckout.Change] = []
        public var unchanged: [String] = []
    }

    /// Pulls `records` (stage name to its record in the lock).
    public func pull(_ records: [(String, StageRecord)]) throws(LeptonError) -> Result {
        try workspace.prepare()
        return try WorkspaceLock.holding(workspace, command: "lepton pull", events: events) {
            () throws(LeptonError) -> Result in
            let local = ArtifactCache(directory: workspace.cacheDirectory)
            var result = Result()
            var available: [String: StageRecord] = [:]
            for (name, record) in records {
                do throws(RemoteError) {
                    try remote.download(Array(record.outputs.values))
                } catch {
                    result.failed.append((name, error.message))
                    continue
                }
                available[name] = record
                result.pulled.append(name)
                if local.runEntry(for: record.key) == nil {
                    // Offline later: the next build restores this stage from the local run cache.
                    try? local.writeRunEntry(
                        RunCacheEntry(
                            key: record.key, stage: name, outputs: record.outputs,
                            created: Int(clock.fileTimeNow() / 1_000_000_000)))
                }
            }
            let checkout = OutputCheckout(workspace: workspace, cache: local)
            let (changes, unchanged) = try checkout.plan(available)
            try checkout.apply(changes, records: available)
            result.changes = changes
            result.unchanged = unchanged
            return result
        }
    }
}
