/// A stage's outcome with the record it leaves (nil when it produced none it can vouch for).
struct StageResult: Sendable {
    var outcome: StageOutcome
    var record: StageRecord?
    /// The cluster job that ran the stage, if one did.
    var job: String?
}
