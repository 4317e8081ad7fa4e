import CLeptonKernels
import Dispatch

/// Trains a ``Model`` on a ``Dataset`` with mini-batch gradient descent.
///
/// Everything random (weights, the validation split, each epoch's shuffle, dropout) derives from
/// the configuration's seed, and every kernel is deterministic across thread counts, so the same
/// data and configuration give bit-identical weights on a given machine.
public final class Trainer {
    public let configuration: TrainingConfiguration
    private let context: ComputeContext

    public init(_ configuration: TrainingConfiguration, context: ComputeContext) {
        self.configuration = configuration
        self.context = context
    }

    /// The trained model with its normalisation and classes, and the per-epoch history.
    public struct Result {
        public var checkpoint: ModelCheckpoint
        public var history: [EpochReport]
        /// How early stopping ended the run, when it was on.
        public var stopping: StoppingReport?
        /// Where the run stood after its last epoch (before best weights were put back), for
        /// `--save-state` and a later `--resume-from`.
        public var state: TrainingState

        /// The epoch whose weights the checkpoint holds: the best one when early stopping
        /// restored it, else the last.
        public var finalReport: EpochReport? {
            guard let stopping, stopping.restored else { return history.last }
            return history.first { $0.epoch == stopping.bestEpoch } ?? history.last
        }
    }

    /// Where an epoch is, for a live progress bar.
    public struct BatchProgress {
        /// One-based.
        public var epoch: Int
        /// Training samples processed so far in this epoch, of ``total``.
        public var samples: Int
        public var total: Int
        /// Mean loss of the epoch so far.
        public var loss: Double
    }

    /// Trains on `data`, calling `progress` after every epoch and `batchProgress` (when given)
    /// after every batch.
    ///
    /// - Throws: ``TrainerError`` for a configuration that does not fit the data (labels beyond
    ///   the output width, a batch size below 1).
    /// With `resume`, training continues from that state (which must come from the same
    /// configuration but for the epoch count) to the configuration's epoch count; with
    /// `warmStart`, it starts from those weights (same architecture) with a fresh optimizer.
    public func train(
        _ data: Dataset, progress: (EpochReport) -> Void = { _ in }, batchProgress: ((BatchProgress) -> Void)? = nil,
        built: (Model) -> Void = { _ in }, resume: TrainingState? = nil, warmStart: ModelCheckpoint? = nil
    ) throws(TrainerError) -> Result {
        let c = configuration
        guard c.batchSize >= 1 else { throw TrainerError("the batch size must be at least 1 (got \(c.batchSize))") }
        guard c.epochs >= 0 else { throw TrainerError("the epoch count must not be negative (got \(c.epochs))") }
        guard data.count >= 2 else {
            throw TrainerError("the training data has \(data.count) samples; it needs at least 2")
        }
        var (train, validation) = data.split(validationFraction: c.validationSplit, seed: c.seed)
        let normalization = Normalization.fit(c.normalization, factor: c.normalizationFactor, to: train)
        normalization.apply(to: &train)
        if var held = validation {
            normalization.apply(to: &held)
            validation = held
        }
        for monitor in [c.earlyStopping?.monitor, c.plateau?.monitor].compactMap({ $0 })
        where monitor.hasPrefix("val_") && validation == nil {
            throw TrainerError(
                "early stopping and reduce-on-plateau monitor '\(monitor)', but there is no validation data; give a validation split (validationSplit: 0.1) or monitor 'loss'"
            )
        }
        if let stopping = c.earlyStopping, stopping.patience < 1 {
            throw TrainerError("early stopping needs a patience of at least 1 epoch (got \(stopping.patience))")
        }
        if let clip = c.clipNorm, !(clip > 0) {
            throw TrainerError("the gradient clip norm must be positive (got \(clip))")
        }
        let model = try Model(specs: c.layers, inputShape: data.sampleShape, seed: c.seed, context: context)
        try check(model, against: data)
        built(model)
        if let warmStart {
            guard warmStart.model.specs == model.specs, warmStart.model.inputShape == model.inputShape else {
                throw TrainerError(
                    "the warm-start checkpoint is a \(warmStart.model.specs.map(\.text).joined(separator: ",")) model on \(warmStart.model.inputShape); this one is \(c.layers.map(\.text).joined(separator: ",")) on \(model.inputShape)"
                )
            }
            model.restore(warmStart.model.snapshot())
        }
        let optimizer = Optimizer(c.optimizer, parameters: model.parameters, context: context)
        var shuffler = RandomGenerator(seed: c.seed).derived(0x5_4FF1E)
        var tracker = ImprovementTracker(configuration: c)
        var history: [EpochReport] = []
        var firstEpoch = 0
        if let resume {
            guard resume.configuration == TrainingState.fingerprint(c) else {
                throw TrainerError(
                    "the training state was saved by a run with other settings; resume with the same settings (only the epoch count may differ)"
                )
            }
            guard resume.epochs <= c.epochs else {
                throw TrainerError(
                    "the training state has \(resume.epochs) epochs done, more than --epochs \(c.epochs)")
            }
            try model.load(
                resume.model.merging(resume.counters.mapValues { Tensor(shape: [], values: [Float($0)]) }) { $1 })
            optimizer.restore(first: resume.first, second: resume.second, steps: resume.steps)
            shuffler.words = resume.shuffler
            for (index, words) in resume.generators where index < model.layers.count {
                var generator = RandomGenerator(seed: 0)
                generator.words = words
                model.layers[index].generator = generator
            }
            history = resume.history
            firstEpoch = resume.epochs
            tracker.restore(from: resume, model: model)
        }
        let logits = c.loss == .softmaxCrossEntropy
        let classCount = c.loss == .binaryCrossEntropy ? 2 : model.outputShape.reduce(1, *)
        let classNames =
            data.classNames.isEmpty && c.loss.isClassification
            ? (0..<max(data.classCount, classCount)).map(String.init) : data.classNames
        if case .given(let weights) = c.classWeights, weights.count != classCount {
            throw TrainerError(
                "\(weights.count) class weights for \(classCount) classes; give one weight per class, in class order")
        }
        let classWeights =
            c.loss.isClassification ? c.classWeights?.weights(classes: classCount, targets: train.targets) : nil
        for epoch in firstEpoch..<c.epochs where !tracker.stopped {
            let started = DispatchTime.now().uptimeNanoseconds
            var rate = c.optimizer.schedule.rate(c.optimizer.learningRate, epoch: epoch, epochs: c.epochs)
            if epoch < c.warmupEpochs { rate *= Double(epoch + 1) / Double(c.warmupEpochs) }
            rate = tracker.adjusted(rate)
            let order = shuffler.permutation(train.count)
            var lossSum = 0.0
            var correct = 0
            var start = 0
            while start < train.count {
                let end = min(train.count, start + c.batchSize)
                let batch = train.subset(order[start..<end], context: context)
                let output = model.forward(batch.features, training: true, logits: logits)
                let (loss, gradient) = c.loss.evaluate(
                    outputs: output, targets: batch.targets[...], classWeights: classWeights,
                    sampleWeights: batch.weights)
                guard loss.isFinite else {
                    throw TrainerError(
                        "the loss became \(loss) in epoch \(epoch + 1) (samples \(start)-\(end)): training diverged; lower the learning rate, normalise the inputs (normalization: .standardize) or clip the targets. No checkpoint was written"
                    )
                }
                lossSum += loss * Double(end - start)
                if c.loss.isClassification {
                    let predicted = Evaluator.classes(of: output, loss: c.loss)
                    for (p, t) in zip(predicted, batch.targets) where p == Int(t) { correct += 1 }
                }
                model.backward(gradient, logits: logits)
                if let clip = c.clipNorm { Trainer.clip(model.parameters, to: clip) }
                optimizer.step(model.parameters, rate: rate)
                batchProgress?(
                    BatchProgress(epoch: epoch + 1, samples: end, total: train.count, loss: lossSum / Double(end)))
                start = end
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let report = EpochReport(
                epoch: epoch + 1, learningRate: rate, loss: lossSum / Double(train.count),
                accuracy: c.loss.isClassification ? Double(correct) / Double(train.count) : nil,
                validation: validation.map {
                    Evaluator.evaluate(model, on: $0, loss: c.loss, classNames: classNames, batchSize: 512)
                }, seconds: seconds, samplesPerSecond: Double(train.count) / max(seconds, 1e-9))
            history.append(report)
            progress(report)
            tracker.record(report, model: model)
        }
        let state = tracker.state(
            model: model, optimizer: optimizer, shuffler: shuffler, history: history,
            configuration: TrainingState.fingerprint(c))
        let stopping = tracker.finish(model: model, lastEpoch: history.last?.epoch ?? 0)
        let checkpoint = ModelCheckpoint(
            model: model, normalization: normalization, classNames: classNames, loss: c.loss, training: c.json,
            categories: data.categories)
        return Result(checkpoint: checkpoint, history: history, stopping: stopping, state: state)
    }

    /// Scales every gradient so that their joint L2 norm is at most `limit` (PyTorch's
    /// `clip_grad_norm_`: factor limit / (norm + 1e-6) when below 1), summed in a fixed order.
    static func clip(_ parameters: [Parameter], to limit: Double) {
        var squares = 0.0
        for parameter in parameters {
            squares += parameter.gradient.withPointer { lepton_sum_squares(parameter.gradient.count, $0) }
        }
        let factor = limit / (squares.squareRoot() + 1e-6)
        guard factor < 1 else { return }
        for parameter in parameters {
            let count = parameter.gradient.count
            parameter.gradient.withMutablePointer { lepton_scale(count, $0, Float(factor)) }
        }
    }

    private func check(_ model: Model, against data: Dataset) throws(TrainerError) {
        let width = model.outputShape.reduce(1, *)
        switch configuration.loss {
        case .softmaxCrossEntropy:
            let needed = data.classCount
            guard width >= needed else {
                throw TrainerError(
                    "the data has \(needed) classes but the model's last layer gives \(width) outputs; end the model with dense(\(needed))"
                )
            }
        case .binaryCrossEntropy, .meanSquaredError:
            guard width == 1 else {
                throw TrainerError(
                    "\(configuration.loss.rawValue) needs a model with 1 output, this one gives \(width); end it with dense(1)"
                )
            }
            if configuration.loss == .binaryCrossEntropy, let bad = data.targets.first(where: { $0 != 0 && $0 != 1 }) {
                throw TrainerError("binary-cross-entropy needs labels 0 or 1; the data has \(bad)")
            }
        }
    }
}
