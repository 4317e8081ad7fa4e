/// Follows the monitored metrics of early stopping and reduce-on-plateau epoch by epoch: the
/// best value and its weights, the epochs since each last improved, the rate factor.
struct ImprovementTracker {
    let configuration: TrainingConfiguration
    var best: (epoch: Int, value: Double, weights: (tensors: [Tensor], counters: [String: Int64])?)?
    var sinceBest = 0
    var plateauBest: Double?
    var sincePlateauBest = 0
    var rateFactor = 1.0
    /// Whether early stopping has ended the run.
    var stopped = false

    init(configuration: TrainingConfiguration) { self.configuration = configuration }

    /// The epoch's rate after any plateau reductions, never below their minimum.
    func adjusted(_ rate: Double) -> Double {
        guard let plateau = configuration.plateau, rateFactor != 1 else { return rate }
        return max(rate * rateFactor, plateau.minimumRate)
    }

    /// Takes in an epoch; sets ``stopped`` when early stopping ends the run here.
    mutating func record(_ report: EpochReport, model: Model) {
        let values = report.json
        if let plateau = configuration.plateau, let value = values[plateau.monitor] as? Double {
            if EarlyStopping.improves(value, on: plateauBest, monitor: plateau.monitor, minDelta: plateau.minDelta) {
                plateauBest = value
                sincePlateauBest = 0
            } else {
                sincePlateauBest += 1
                if sincePlateauBest >= plateau.patience {
                    rateFactor *= plateau.factor
                    sincePlateauBest = 0
                }
            }
        }
        guard let stopping = configuration.earlyStopping, let value = values[stopping.monitor] as? Double else {
            return
        }
        if EarlyStopping.improves(value, on: best?.value, monitor: stopping.monitor, minDelta: stopping.minDelta) {
            // Tensors are copy-on-write: this keeps the values, the next update copies them.
            best = (report.epoch, value, stopping.restoreBest ? model.snapshot() : nil)
            sinceBest = 0
            return
        }
        sinceBest += 1
        stopped = sinceBest >= stopping.patience
    }

    /// Puts the best weights back when asked to; the report of how the run ended.
    func finish(model: Model, lastEpoch: Int) -> StoppingReport? {
        guard let stopping = configuration.earlyStopping, let best else { return nil }
        let restore = stopping.restoreBest && best.epoch != lastEpoch
        if restore, let weights = best.weights { model.restore(weights) }
        return StoppingReport(
            monitor: stopping.monitor, bestEpoch: best.epoch, bestValue: best.value, stoppedEpoch: lastEpoch,
            restored: stopping.restoreBest)
    }

    /// The run's state after its last epoch, with this tracker's progress.
    func state(
        model: Model, optimizer: Optimizer, shuffler: RandomGenerator, history: [EpochReport], configuration: String
    ) -> TrainingState {
        let saved = model.savedParameters
        let names = saved.map(\.name)
        var generators: [Int: [UInt64]] = [:]
        for (index, layer) in model.layers.enumerated() {
            if let generator = layer.generator { generators[index] = generator.words }
        }
        let savedBest = best.map { best in
            (
                epoch: best.epoch, value: best.value,
                tensors: Dictionary(uniqueKeysWithValues: zip(names, best.weights?.tensors ?? [])),
                counters: best.weights?.counters ?? [:]
            )
        }
        return TrainingState(
            epochs: history.last?.epoch ?? 0, steps: optimizer.steps,
            model: Dictionary(uniqueKeysWithValues: zip(names, saved.map(\.value))),
            counters: model.counters, first: optimizer.first, second: optimizer.second, shuffler: shuffler.words,
            generators: generators, history: history, best: savedBest, sinceBest: sinceBest, plateauBest: plateauBest,
            sincePlateauBest: sincePlateauBest, rateFactor: rateFactor, stopped: stopped, configuration: configuration)
    }

    /// Takes up a saved run's progress.
    mutating func restore(from state: TrainingState, model: Model) {
        sinceBest = state.sinceBest
        plateauBest = state.plateauBest
        sincePlateauBest = state.sincePlateauBest
        rateFactor = state.rateFactor
        stopped = state.stopped
        if let saved = state.best {
            let names = model.savedParameters.map(\.name)
            let tensors = names.compactMap { saved.tensors[$0] }
            best = (saved.epoch, saved.value, tensors.count == names.count ? (tensors, saved.counters) : nil)
        }
    }
}
