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
    public func train(
        _ data: Dataset, progress: (EpochReport) -> Void = { _ in }, batchProgress: ((BatchProgress) -> Void)? = nil,
        built: (Model) -> Void = { _ in }
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
        let model = try Model(specs: c.layers, inputShape: data.sampleShape, seed: c.seed, context: context)
        try check(model, against: data)
        built(model)
        let optimizer = Optimizer(c.optimizer, parameters: model.parameters, context: context)
        var shuffler = RandomGenerator(seed: c.seed).derived(0x5_4FF1E)
        let logits = c.loss == .softmaxCrossEntropy
        let classNames =
            data.classNames.isEmpty && c.loss.isClassification
            ? (0..<max(data.classCount, c.loss == .binaryCrossEntropy ? 2 : model.outputShape.reduce(1, *))).map(
                String.init)
            : data.classNames
        var history: [EpochReport] = []
        for epoch in 0..<c.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            let rate = c.optimizer.schedule.rate(c.optimizer.learningRate, epoch: epoch, epochs: c.epochs)
            let order = shuffler.permutation(train.count)
            var lossSum = 0.0
            var correct = 0
            var start = 0
            while start < train.count {
                let end = min(train.count, start + c.batchSize)
                let batch = train.subset(order[start..<end])
                let output = model.forward(batch.features, training: true, logits: logits)
                let (loss, gradient) = c.loss.evaluate(outputs: output, targets: batch.targets[...])
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
        }
        let checkpoint = ModelCheckpoint(
            model: model, normalization: normalization, classNames: classNames, loss: c.loss, training: c.json)
        return Result(checkpoint: checkpoint, history: history)
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
