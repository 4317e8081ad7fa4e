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
    /// Stop when a metric stops improving (nil: run every epoch).
    public var earlyStopping: EarlyStopping?
    /// Reduce the learning rate when a metric stops improving.
    public var plateau: PlateauReduction?
    /// Epochs over which the rate rises linearly to its value (epoch e of W runs at (e+1)/W).
    public var warmupEpochs: Int
    /// Clip the gradients' global L2 norm to this (PyTorch's `clip_grad_norm_`); nil: no clipping.
    public var clipNorm: Double?
    /// Weights of the classes in the training loss (classification); nil: all 1.
    public var classWeights: ClassWeights?

    public init(
        layers: [LayerSpec], loss: LossFunction = .softmaxCrossEntropy,
        optimizer: OptimizerConfiguration = OptimizerConfiguration(kind: .adam, learningRate: 0.001), epochs: Int = 10,
        batchSize: Int = 32, seed: UInt64 = 0, validationSplit: Double = 0, normalization: Normalization.Kind = .none,
        normalizationFactor: Double = 1, threads: Int = 1, earlyStopping: EarlyStopping? = nil,
        plateau: PlateauReduction? = nil, warmupEpochs: Int = 0, clipNorm: Double? = nil,
        classWeights: ClassWeights? = nil
    ) {
        self.classWeights = classWeights
        self.earlyStopping = earlyStopping
        self.plateau = plateau
        self.warmupEpochs = warmupEpochs
        self.clipNorm = clipNorm
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
        case .adam, .adamw:
            optimizer["beta1"] = self.optimizer.beta1
            optimizer["beta2"] = self.optimizer.beta2
            optimizer["epsilon"] = self.optimizer.epsilon
        }
        switch self.optimizer.schedule {
        case .constant: optimizer["schedule"] = "constant"
        case .cosine: optimizer["schedule"] = "cosine"
        case .step(let every, let gamma): optimizer["schedule"] = "step(\(every),\(gamma))"
        }
        var recorded: [String: Any] = [
            "layers": layers.map(\.text), "loss": loss.rawValue, "optimizer": optimizer, "epochs": epochs,
            "batch_size": batchSize, "seed": Int(truncatingIfNeeded: seed), "validation_split": validationSplit,
            "normalization": normalization.rawValue,
        ]
        if let earlyStopping {
            recorded["early_stopping"] = [
                "monitor": earlyStopping.monitor, "patience": earlyStopping.patience,
                "min_delta": earlyStopping.minDelta, "restore_best": earlyStopping.restoreBest,
            ]
        }
        if let plateau {
            recorded["reduce_on_plateau"] = [
                "monitor": plateau.monitor, "factor": plateau.factor, "patience": plateau.patience,
                "min_delta": plateau.minDelta, "min_lr": plateau.minimumRate,
            ]
        }
        if warmupEpochs > 0 { recorded["warmup_epochs"] = warmupEpochs }
        if let clipNorm { recorded["clip_norm"] = clipNorm }
        switch classWeights {
        case nil: break
        case .balanced: recorded["class_weights"] = "balanced"
        case .given(let weights): recorded["class_weights"] = weights
        }
        return recorded
    }
}

/// How much each class counts in the training loss (Keras' `class_weight`, PyTorch's
/// `CrossEntropyLoss(weight=…)`): each sample's loss is weighted by its class's weight and the
/// batch's loss is the weighted mean.
public enum ClassWeights: Sendable, Equatable {
    /// n / (classes × count of the class) over the training split (scikit-learn's "balanced").
    case balanced
    /// One weight per class, in class order.
    case given([Double])

    /// The weights for `classes` classes given the training labels.
    func weights(classes: Int, targets: [Float]) -> [Float] {
        switch self {
        case .given(let weights): return weights.map { Float($0) }
        case .balanced:
            var counts = [Int](repeating: 0, count: classes)
            for target in targets where Int(target) >= 0 && Int(target) < classes { counts[Int(target)] += 1 }
            return counts.map { $0 == 0 ? 0 : Float(Double(targets.count) / Double(classes * $0)) }
        }
    }
}
