import LeptonSystem

/// What `params diff` and `metrics diff` compare the workspace with: a recorded run, or a git
/// revision's `Lepton.lock` (whose metrics files are read from the cache by digest).
public struct RunComparison: Sendable {
    /// A label for the old side: `run ID` or `git REV`.
    public var label: String
    public var params: [String: String]
    public var metrics: [String: [String: Double]]

    /// Resolves `name`: a run (id, prefix, tag, `latest`), else a git revision. With no name,
    /// the latest run whose metrics differ from `current` (the latest run when none does).
    /// A git revision's metrics are read from the outputs among `metricsFiles` (the pipeline's
    /// declared metrics files), not from every JSON or CSV output.
    ///
    /// - Throws: ``LeptonError`` ``LeptonError/Code/usage`` when nothing matches.
    public static func resolve(
        _ name: String?, workspace: Workspace, current: [String: [String: Double]]? = nil,
        metricsFiles: Set<String>? = nil
    ) throws(LeptonError) -> RunComparison {
        let history = RunHistory(workspace: workspace)
        guard let name else {
            let runs = history.all()
            guard let latest = runs.first else {
                throw LeptonError(.usage, "No run is recorded yet; build first, or name a git revision.")
            }
            let chosen = current.flatMap { current in runs.first { $0.metrics != current } } ?? latest
            return RunComparison(label: "run \(chosen.id)", params: chosen.params, metrics: chosen.metrics)
        }
        if let run = try? history.resolve(name) {
            return RunComparison(label: "run \(run.id)", params: run.params, metrics: run.metrics)
        }
        guard let lock = (try? GitRevision.lockFile(name, root: workspace.root)) ?? nil else {
            throw LeptonError(
                .usage,
                "'\(name)' is neither a run nor a tag (see 'lepton runs') nor a git revision with a \(LockFile.fileName)."
            )
        }
        let cache = ArtifactCache(directory: workspace.cacheDirectory)
        var params: [String: String] = [:]
        var metrics: [String: [String: Double]] = [:]
        for record in lock.stages.values {
            params.merge(record.params) { $1 }
            for (path, digest) in record.outputs where digest.kind == .file && metricsFiles?.contains(path) != false {
                guard let bytes = cache.verifiedBytes(digest.digest),
                    let values = try? MetricsFile.read(path: path, bytes: bytes), !values.isEmpty,
                    isMetricsFile(path)
                else { continue }
                metrics[path] = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            }
        }
        return RunComparison(label: "git \(name)", params: params, metrics: metrics)
    }

    private static func isMetricsFile(_ path: String) -> Bool {
        [".json", ".yaml", ".yml", ".csv", ".tsv"].contains { path.hasSuffix($0) }
    }
}
