/// What the planner decided a stage needs, before anything runs.
public enum StageDecision: Sendable {
    /// The key and the outputs on disk match the lock: nothing to do.
    case upToDate(StageRecord)
    /// Up to date on the no-op snapshot's word (``CertifiedStages``), and no stage decided after
    /// it needs its outputs: its record stays in the lock as it is, not even decoded.
    case vouched
    /// The run cache holds outputs for this key: restore them (the record carries them).
    case restore(StageRecord, reasons: [RebuildReason])
    /// The stage must run: its key is new, or its outputs cannot be restored.
    case run(StageRecord, reasons: [RebuildReason])
    /// Dry run only: an upstream stage would run first, so this stage's key is not known yet.
    case pending(reasons: [RebuildReason])
    /// The stage cannot be decided (a missing input, a params file that does not parse).
    case failed(StageFailure)

    /// The outcome a dry run reports for this decision (`lepton status`, `build --dry-run`).
    public var forecast: StageOutcome {
        switch self {
        case .upToDate, .vouched: return .upToDate
        case .restore(_, let reasons): return .wouldRestore(reasons: reasons)
        case .run(_, let reasons), .pending(let reasons): return .wouldRun(reasons: reasons)
        case .failed(let failure): return .failed(failure)
        }
    }

    /// The record a dry run can vouch for: outputs known without running anything.
    public var forecastRecord: StageRecord? {
        switch self {
        case .upToDate(let record), .restore(let record, _): return record
        case .vouched, .run, .pending, .failed: return nil
        }
    }
}
