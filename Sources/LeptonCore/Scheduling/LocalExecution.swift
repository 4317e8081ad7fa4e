import LeptonSystem

/// The real execution: restores stages from the run cache, looks up stages that must run in
/// the remote cache first, runs the rest, and checks quality gates on what each leaves.
struct LocalExecution: StageExecution {
    let jobs: Int
    let executor: StageExecutor
    let planner: Planner
    let remote: RemoteStageSource?
    let force: Set<String>
    let observer: any BuildObserver
    /// Each stage's resources, by index.
    let resources: [StageResources]

    func settle(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult? {
        switch decision {
        case .upToDate(let record):
            // A gate is checked whenever its stage is in the build, up to date or not: a
            // tightened gate must fail the build.
            if let failure = planner.gateFailure(of: stage) { return StageResult(outcome: .failed(failure)) }
            return StageResult(outcome: .upToDate, record: record)
        case .vouched:
            if let failure = planner.gateFailure(of: stage) { return StageResult(outcome: .failed(failure)) }
            return StageResult(outcome: .upToDate)
        case .failed(let failure):
            return StageResult(outcome: .failed(failure))
        case .pending:
            // Only a dry run leaves a stage's outputs unknown until it runs.
            return StageResult(
                outcome: .failed(StageFailure(message: "internal error: decided before its upstream ran")))
        case .restore, .run:
            return nil
        }
    }

    func perform(_ index: Int, _ stage: StageDescription, _ decision: StageDecision) -> StageResult {
        let done = performWithoutGates(index, stage, decision)
        switch done.outcome {
        case .ran, .restored: break
        default: return done
        }
        if let failure = planner.gateFailure(of: stage) {
            // Not promoted: the lock keeps the previous record and later stages do not run; the
            // outputs stay in the workspace for inspection and in the cache (a rebuild restores
            // and checks them again instead of rerunning).
            return StageResult(outcome: .failed(failure))
        }
        return done
    }

    private func performWithoutGates(_ index: Int, _ stage: StageDescription, _ decision: StageDecision)
        -> StageResult
    {
        switch decision {
        case .restore(let record, let reasons):
            do throws(LeptonError) {
                try executor.restore(record.outputs, stage: stage.name)
                return StageResult(outcome: .restored(reasons: reasons), record: record)
            } catch {
                // A damaged or missing object: run the stage instead of giving up.
                observer.warning("stage '\(stage.name)': \(error.message); running it instead")
                return performWithoutGates(index, stage, .run(record, reasons: reasons))
            }
        case .run(let record, let reasons):
            if let remote, !force.contains(stage.name),
                let restored = remote.restore(index, stage, record: record, reasons: reasons)
            {
                return restored
            }
            if let failure = remote?.prepareInputs(of: index) { return StageResult(outcome: .failed(failure)) }
            let run = executor.run(stage, record: record, resources: resources[index])
            switch run.result {
            case .success(let result):
                remote?.upload(result.key, stage: stage.name)
                return StageResult(outcome: .ran(reasons: reasons), record: result, job: run.job)
            case .failure(let failure):
                return StageResult(outcome: .failed(failure), job: run.job)
            }
        case .upToDate, .vouched, .failed, .pending:
            return settle(index, stage, decision) ?? StageResult(outcome: .failed(StageFailure(message: "not settled")))
        }
    }
}
