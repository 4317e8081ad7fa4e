import LeptonSystem

/// Records a finished build in the run history: what each stage did, the record each stage
/// that succeeded has after it — taken from the build's own outcomes, so a failed or skipped
/// stage records none and `checkout` can never restore outputs a run did not produce — the
/// metrics files' values of those stages, the git commit and the `--set` overrides.
public struct RunRecorder: Sendable {
    public let workspace: Workspace
    public let pipeline: PipelineDescription
    let fileSystem: any FileSystem

    public init(workspace: Workspace, pipeline: PipelineDescription, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.pipeline = pipeline
        self.fileSystem = fileSystem
    }

    /// The run `summary` describes, nil when the build changed nothing (a no-op is not a run
    /// worth keeping).
    public func run(of summary: BuildSummary, overrides: [String: String], started: Int64) -> RunRecord? {
        let changed = summary.outcomes.contains {
            switch $0.outcome {
            case .ran, .restored, .failed: return true
            default: return false
            }
        }
        guard changed else { return nil }
        var stages: [String: RunRecord.Stage] = [:]
        var measured = Set<String>()
        for (name, outcome) in summary.outcomes {
            let described = RunRecorder.describe(outcome)
            if summary.records[name] == nil, let bytes = summary.unreadRecords[name] {
                stages[name] = RunRecord.Stage(
                    outcome: described, lockBytes: bytes, seconds: summary.durations[name], job: summary.jobs[name])
            } else {
                stages[name] = RunRecord.Stage(
                    outcome: described, record: summary.records[name], seconds: summary.durations[name],
                    job: summary.jobs[name])
            }
            switch outcome {
            case .upToDate, .ran, .restored: measured.insert(name)
            case .failed(let failure) where failure.isGateFailure: measured.insert(name)
            default: break
            }
        }
        var run = RunRecord(
            id: RunHistory.newID(started: started), started: Int(started / 1_000_000_000), seconds: summary.seconds,
            status: summary.interrupted ? "interrupted" : summary.failed ? "failed" : "succeeded",
            commit: GitHead.commit(of: workspace.root), overrides: overrides, stages: stages,
            metrics: currentMetrics(of: measured))
        // Outcomes come in the order stages finished: a stage after everything it depends on.
        run.order = summary.outcomes.map(\.stage)
        return run
    }

    /// Records the run of `summary` (see ``run(of:overrides:started:)``).
    ///
    /// - Returns: The run, or nil when nothing was recorded.
    /// - Throws: ``LeptonError`` when the history cannot be written.
    public func record(_ summary: BuildSummary, overrides: [String: String], started: Int64) throws(LeptonError)
        -> RunRecord?
    {
        guard let run = run(of: summary, overrides: overrides, started: started) else { return nil }
        try RunHistory(workspace: workspace).record(run)
        return run
    }

    /// The values of the metrics files of the given stages (all when nil) as they are now.
    public func currentMetrics(of stages: Set<String>? = nil) -> [String: [String: Double]] {
        var metrics: [String: [String: Double]] = [:]
        for stage in pipeline.stages where stages?.contains(stage.name) ?? true {
            for file in stage.metrics {
                guard let bytes = try? fileSystem.read(workspace.absolute(file)),
                    let values = try? MetricsFile.read(path: file, bytes: bytes)
                else { continue }
                metrics[file] = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            }
        }
        return metrics
    }

    /// The outcome's word in the history.
    public static func describe(_ outcome: StageOutcome) -> String {
        switch outcome {
        case .upToDate: return "up to date"
        case .ran, .wouldRun: return "ran"
        case .restored, .wouldRestore: return "restored"
        case .failed: return "failed"
        case .skipped: return "skipped"
        }
    }
}
