/// What a build would do, stage by stage, without doing any of it: the forecast that
/// `lepton status` and `build --dry-run` print.
///
/// It comes from the same ``Planner`` decisions and the same coordinator as a build (with the
/// dry-run execution), so a build then does what the plan says unless the workspace changes.
public struct Plan: Sendable {
    /// Each stage in the build with its forecast outcome (`upToDate`, `wouldRestore`,
    /// `wouldRun`, `failed` when it cannot be decided, `skipped`), in decision order.
    public var stages: [(stage: String, outcome: StageOutcome)]
    /// Seconds spent planning.
    public var seconds: Double

    /// The stages that would run or be restored, or cannot be decided.
    public var stale: [(stage: String, outcome: StageOutcome)] { stages.filter { $0.outcome.isStale } }

    /// Whether a stage cannot be decided because the configuration is wrong (exit code 2).
    public var hasConfigurationError: Bool {
        stages.contains {
            if case .failed(let failure) = $0.outcome { return failure.isConfigurationError }
            return false
        }
    }

    /// The plan as a summary, for the report a build prints.
    public var summary: BuildSummary {
        BuildSummary(outcomes: stages, seconds: seconds, interrupted: false)
    }
}
