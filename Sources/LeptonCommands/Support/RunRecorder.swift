import LeptonCore
import LeptonSystem

extension RunRecorder {
    /// Records `summary` for a loaded package, warning (not failing) when the history cannot
    /// be written; returns the new run's id.
    static func record(_ summary: BuildSummary, session: PackageSession, started: Int64) -> String? {
        do throws(LeptonError) {
            return try RunRecorder(workspace: session.workspace, pipeline: session.pipeline)
                .record(summary, overrides: session.params.overrides, started: started)?.id
        } catch {
            session.console.error(session.console.yellow("warning: ") + "the run was not recorded: \(error.message)")
            return nil
        }
    }

    /// The values of every stage's metrics files as they are in the workspace now.
    static func currentMetrics(_ session: PackageSession) -> [String: [String: Double]] {
        RunRecorder(workspace: session.workspace, pipeline: session.pipeline).currentMetrics()
    }
}
