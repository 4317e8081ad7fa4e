import LeptonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Records a finished build in the run history: what each stage did, the record each stage
/// that succeeded has after it (from the build's own outcomes: a failed stage records none,
/// so `checkout` can never restore outputs a run did not produce), the metrics files' values
/// of those stages, the git commit and the `--set` overrides.
enum RunRecorder {
    /// Records `summary` unless the build changed nothing (a no-op is not a run worth keeping).
    ///
    /// - Returns: the new run's id, or nil when nothing was recorded.
    static func record(_ summary: BuildSummary, session: PackageSession, started: Int64) -> String? {
        let changed = summary.outcomes.contains {
            switch $0.outcome {
            case .ran, .restored, .failed: return true
            default: return false
            }
        }
        guard changed else { return nil }
        let workspace = session.workspace
        var stages: [String: RunRecord.Stage] = [:]
        var measured = Set<String>()
        for (name, outcome) in summary.outcomes {
            stages[name] = RunRecord.Stage(
                outcome: describe(outcome), record: summary.records[name], seconds: summary.durations[name])
            switch outcome {
            case .upToDate, .ran, .restored: measured.insert(name)
            case .failed(let failure) where failure.isGateFailure: measured.insert(name)
            default: break
            }
        }
        let run = RunRecord(
            id: RunHistory.newID(started: started), started: Int(started / 1_000_000_000), seconds: summary.seconds,
            status: summary.interrupted ? "interrupted" : summary.failed ? "failed" : "succeeded",
            commit: GitHead.commit(of: workspace.root), overrides: session.params.overrides, stages: stages,
            metrics: currentMetrics(session, stages: measured))
        do {
            try RunHistory(workspace: workspace).record(run)
            return run.id
        } catch {
            session.console.error(session.console.yellow("warning: ") + "the run was not recorded: \(error.message)")
            return nil
        }
    }

    /// The values of every stage's metrics files as they are in the workspace now.
    static func currentMetrics(_ session: PackageSession, stages: Set<String>? = nil) -> [String: [String: Double]] {
        var metrics: [String: [String: Double]] = [:]
        for stage in session.pipeline.stages where stages?.contains(stage.name) ?? true {
            for file in stage.metrics {
                guard let bytes = try? FileSystem().read(session.workspace.absolute(file)),
                    let values = try? MetricsFile.read(path: file, bytes: bytes)
                else { continue }
                metrics[file] = Dictionary(values.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            }
        }
        return metrics
    }

    static func describe(_ outcome: StageOutcome) -> String {
        switch outcome {
        case .upToDate: return "up to date"
        case .ran, .wouldRun: return "ran"
        case .restored, .wouldRestore: return "restored"
        case .failed: return "failed"
        case .skipped: return "skipped"
        }
    }
}
