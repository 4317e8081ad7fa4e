import LeptonCore

/// Puts recorded outputs into the workspace from the local cache (`lepton checkout`, `lepton
/// pull`): only outputs whose content differs; content the cache does not hold yet (an output
/// edited by hand) is stored first, so nothing is lost.
struct OutputRestorer {
    let workspace: Workspace
    let cache: ArtifactCache
    let console: Console
    let verbose: Bool
    let dryRun: Bool

    /// Restores the outputs of each stage's record; returns how many changed (or would).
    func restore(_ stages: [String: StageRecord]) throws -> Int {
        let hasher = ContentHasher(root: workspace.root, statCache: StatCache.load(from: workspace.statCacheFile))
        var changed = 0
        for (name, stageRecord) in stages.sorted(by: { $0.key < $1.key }) {
            for (path, digest) in stageRecord.outputs.sorted(by: { $0.key < $1.key }) {
                let current = try hasher.digest(of: path)
                if current == digest {
                    if verbose { console.line("  unchanged  \(path)") }
                    continue
                }
                changed += 1
                if dryRun {
                    console.line("  would restore  \(path) \(console.dim("(\(name))"))")
                    continue
                }
                if let current, !cache.contains(current) {
                    let manifest = current.kind == .folder ? try hasher.manifest(ofFolder: path) : nil
                    try cache.storeOutput(at: workspace.absolute(path), digest: current, manifest: manifest)
                }
                try cache.restore(digest, to: workspace.absolute(path))
                let was = current.map { " (was \($0.digest.prefix(12)), kept in the cache)" } ?? ""
                console.line("  restored   \(path) \(console.dim("(\(name))\(was)"))")
            }
        }
        return changed
    }

    /// Records the stages in Lepton.lock (and drops the no-op snapshot, which no longer holds).
    static func recordInLock(_ stages: [String: StageRecord], workspace: Workspace) throws {
        let fileSystem = FileSystem()
        var lock =
            (try? fileSystem.read(workspace.lockFile)).flatMap { try? LockFile(bytes: $0, path: LockFile.fileName) }
            ?? LockFile()
        for (name, stageRecord) in stages { lock.stages[name] = stageRecord }
        try fileSystem.writeAtomically(lock.text, to: workspace.lockFile)
        try? fileSystem.remove(workspace.noOpSnapshotFile)
    }
}
