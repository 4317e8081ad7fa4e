/// Everything that decides a training run's result (and, apart from ``threads``, is recorded in
/// the checkpoint's sidecar).
public struct TrainingConfiguration: Sendable, Equatable {
    public var layers: [LayerSpec]
    public var loss: LossFunction
    public var optimizer: OptimizerConfiguration
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64
    /// The fraction of the data held out (after a seeded shuffle) to validate each epoch.
    public var validationSplit: Double
    public var normalization: Normalization.Kind
    /// The factor of ``Normalization/Kind/scale``.
    public var normalizationFactor: Double
    /// Threads for the kernels; results are identical for every value.
    public var threads: Int

    public init(
        layers: [LayerSpec], loss: LossFunction = .softmaxCrossEntropy,
        optimizer: OptimizerConfiguration = OptimizerConfiguration(kind: .adam, learningRate: 0.001), epochs: Int = 10,
        batchSize: Int = 32, seed: UInt64 = 0, validationSplit: Double = 0, normalization: Normalization.Kind = .none,
        normalizationFactor: Double = 1, threads: Int = 1
    ) {
        self.layers = layers
        self.loss = loss
        self.optimizer = optimizer
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.validationSplit = validationSplit
        self.normalization = normalization
        self.normalizationFactor = normalizationFactor
        self.threads = threads
    }

    /// The recorded form, for the sidecar (no thread count: it does not change results).
    var json: [String: Any] {
        var optimizer: [String: Any] = [
            "kind": self.optimizer.kind.rawValue, "learning_rate": self.optimizer.learningRate,
            "weight_decay": self.optimizer.weightDecay,
        ]
        switch self.optimizer.kind {
        case .sgd: optimizer["momentum"] = self.optimizer.momentum
        case .adam:
            optimizer["beta1"] = self.optimizer.beta1
            optimizer["beta2"] = self.optimizer.beta2
            optimizer["epsilon"] = self.optimizer.epsilon
        }
        switch self.optimizer.schedule {
        case .constant: optimizer["schedule"] = "constant"
        case .cosine: optimizer["schedule"] = "cosine"
        case .step(let every, let gamma): optimizer["schedule"] = "step(\(every),\(gamma))"
        }
        return [
            "layers": layers.map(\.text), "loss": loss.rawValue, "optimizer": optimizer, "epochs": epochs,
            "batch_size": batchSize, "seed": Int(truncatingIfNeeded: seed), "validation_split": validationSplit,
            "normalization": normalization.rawValue,
        ]
    }
}
