/// The dry run: every decision is settled as its forecast, and nothing is touched.
struct DryRunExecution: StageExecution {
    var jobs: Int { 1 }

    func settle(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult? {
        StageResult(outcome: decision.forecast, record: decision.forecastRecord)
    }

    func perform(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult {
        StageResult(outcome: decision.forecast, record: decision.forecastRecord)
    }
}
