/// What the coordinator hands decided stages to: the real execution restores and runs them,
/// the dry run only reports what would happen (ninja's dry-run command runner).
protocol StageExecution: Sendable {
    /// How many stages may run or restore at once.
    var jobs: Int { get }

    /// Settles a decision on the coordinator thread when it needs no work (up to date, cannot
    /// be decided, or any decision in a dry run); nil when it must be performed on a worker.
    func settle(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult?

    /// Restores or runs a stage, on a worker thread.
    func perform(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult
}
