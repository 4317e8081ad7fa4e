// The vocabulary of `.train(…)` and `.evaluate(…)` stages, which run Lepton's built-in tensor
// trainer (`lepton train`, `lepton evaluate`) as ordinary, hashed and cached stages.

/// Where a training or evaluation stage reads its samples.
///
/// ```swift
/// data: .idx(images: "data/train-images-idx3-ubyte.gz", labels: "data/train-labels-idx1-ubyte.gz")
/// data: .csv("data/train.csv", label: "species")
/// data: .npy(features: "data/x.npy", labels: "data/y.npy")
/// ```
public struct TrainingData: Sendable {
    let arguments: [String]
    let paths: [String]

    /// A CSV file with a header; `label` names the target column, every other column is a
    /// feature (numeric, or categorical and one-hot encoded). Gzip-compressed files are read as
    /// well. `sampleWeight` names a column of per-row weights of the training loss (Keras'
    /// `sample_weight`), never a feature.
    public static func csv(_ path: String, label: String, sampleWeight: String? = nil) -> TrainingData {
        var arguments = [TrainerFlag.csv.option, path, TrainerFlag.label.option, label]
        if let sampleWeight { arguments += [TrainerFlag.sampleWeight.option, sampleWeight] }
        return TrainingData(arguments: arguments, paths: [path])
    }

    /// IDX files as MNIST and Fashion-MNIST ship them (gzip or not): samples and labels.
    public static func idx(images: String, labels: String) -> TrainingData {
        TrainingData(
            arguments: [TrainerFlag.idxImages.option, images, TrainerFlag.idxLabels.option, labels],
            paths: [images, labels])
    }

    /// NumPy `.npy` arrays: features [n, …] and labels [n].
    public static func npy(features: String, labels: String) -> TrainingData {
        TrainingData(
            arguments: [TrainerFlag.npyFeatures.option, features, TrainerFlag.npyLabels.option, labels],
            paths: [features, labels])
    }
}

/// One layer of a built-in model.
///
/// ```swift
/// model: [.dense(256), .relu, .dropout(0.2), .dense(10)]
/// model: [.conv2d(filters: 8, kernel: 3, padding: 1), .relu, .maxPool(2), .dense(10)]
/// model: [.conv2d(filters: 16, kernel: 3, padding: .same), .relu, .avgPool(2), .globalAvgPool, .dense(10)]
/// model: [.dense(.param("model.hidden")), .relu, .dropout(.param("model.dropout")), .dense(10)]
/// ```
///
/// A size or rate given as ``Hyperparameter/param(_:file:)`` is read from the params file and
/// keyed like any parameter, so `lepton sweep --set model.hidden=64,128,256` tries each width.
public struct Layer: Sendable {
    let text: String
    /// The params-file keys the layer's settings come from.
    var parameters: [Parameter] = []

    /// A fully connected layer with `units` outputs; flattens its input.
    public static func dense(_ units: Int) -> Layer {
        if units < 1 { Dump.error("dense(\(units)): a dense layer needs at least 1 unit") }
        return Layer(text: "dense(\(units))")
    }
    /// max(x, 0).
    public static let relu = Layer(text: "relu")
    /// 1 / (1 + e^-x).
    public static let sigmoid = Layer(text: "sigmoid")
    /// The hyperbolic tangent.
    public static let tanh = Layer(text: "tanh")
    /// Softmax over the outputs (used for predictions; the softmax cross-entropy loss works on
    /// the values before it).
    public static let softmax = Layer(text: "softmax")
    /// Reshapes images to vectors.
    public static let flatten = Layer(text: "flatten")
    /// Batch normalisation with PyTorch's defaults (momentum 0.1, epsilon 1e-5): per channel for
    /// images (`nn.BatchNorm2d`), per feature for vectors (`nn.BatchNorm1d`); its running
    /// statistics are saved in the checkpoint under PyTorch's names.
    public static let batchNorm = Layer(text: "batchnorm")
    /// Layer normalisation over each sample's values (`nn.LayerNorm(sample_shape)`).
    public static let layerNorm = Layer(text: "layernorm")

    /// ``batchNorm`` with another momentum (PyTorch's convention: the weight of the new batch).
    public static func batchNorm(momentum: Double, epsilon: Double = 1e-5) -> Layer {
        if !(momentum > 0 && momentum <= 1) || !(epsilon > 0) {
            Dump.error(
                "batchNorm(momentum: \(momentum), epsilon: \(epsilon)): the momentum must be in (0, 1] and epsilon positive"
            )
        }
        return Layer(text: "batchnorm(momentum=\(momentum),eps=\(epsilon))")
    }

    /// Zeroes each value with probability `rate` while training (seeded).
    public static func dropout(_ rate: Double) -> Layer {
        if !(rate >= 0 && rate < 1) { Dump.error("dropout(\(rate)): the rate must be in [0, 1)") }
        return Layer(text: "dropout(\(rate))")
    }

    /// A 2-D convolution with `filters` square kernels of side `kernel`.
    public static func conv2d(filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0) -> Layer {
        if filters < 1 || kernel < 1 || stride < 1 || padding < 0 {
            Dump.error(
                "conv2d(filters: \(filters), kernel: \(kernel), stride: \(stride), padding: \(padding)): sizes must be positive"
            )
        }
        return Layer(text: "conv2d(\(filters),\(kernel),stride=\(stride),padding=\(padding))")
    }

    /// Max pooling over `size`×`size` windows every `stride` (default `size`: non-overlapping).
    public static func maxPool(_ size: Int, stride: Int? = nil) -> Layer {
        pooling("maxpool", size, stride)
    }

    /// Average pooling over `size`×`size` windows every `stride` (default `size`).
    public static func avgPool(_ size: Int, stride: Int? = nil) -> Layer {
        pooling("avgpool", size, stride)
    }

    /// The mean of each channel over the whole image: [channels, height, width] → [channels]
    /// (Keras' `GlobalAveragePooling2D`).
    public static let globalAvgPool = Layer(text: "globalavgpool")

    private static func pooling(_ name: String, _ size: Int, _ stride: Int?) -> Layer {
        if size < 1 || (stride ?? 1) < 1 {
            Dump.error("\(name)(\(size)): the window and the stride must be at least 1")
        }
        guard let stride, stride != size else { return Layer(text: "\(name)(\(size))") }
        return Layer(text: "\(name)(\(size),stride=\(stride))")
    }

    /// How a convolution pads its input.
    public enum Padding: Sendable {
        /// No padding (Keras' `valid`).
        case valid
        /// Enough zeros that the output keeps the input's size (stride 1, odd kernels), as Keras'
        /// and PyTorch's `padding="same"`.
        case same
    }

    /// ``conv2d(filters:kernel:stride:padding:)-(Int,Int,Int,Int)`` with `same` or `valid` padding.
    public static func conv2d(filters: Int, kernel: Int, stride: Int = 1, padding: Padding) -> Layer {
        guard padding == .same else { return conv2d(filters: filters, kernel: kernel, stride: stride, padding: 0) }
        if stride != 1 || kernel % 2 == 0 {
            Dump.error(
                "conv2d(filters: \(filters), kernel: \(kernel), padding: .same): same padding needs stride 1 and an odd kernel"
            )
        }
        return conv2d(filters: filters, kernel: kernel, stride: stride, padding: (kernel - 1) / 2)
    }

    /// ``dense(_:)-(Int)`` with its width from the params file: `.dense(.param("model.hidden"))`.
    public static func dense(_ units: Hyperparameter) -> Layer {
        guard let parameter = units.parameter else { return dense(whole(units, "dense", "width")) }
        return Layer(text: "dense(\(units.text))", parameters: [parameter])
    }

    /// A dense layer of each width, each followed by `activation`: `.denseStack([128, 64])` is
    /// `.dense(128), .relu, .dense(64), .relu`. With `.param("model.hidden")` the widths come from
    /// a list in the params file (`hidden: [128, 64]`), so `lepton sweep --set
    /// model.hidden=[64],[128,64]` varies depth as well as width.
    public static func denseStack(_ widths: [Int], activation: Layer = .relu) -> Layer {
        if widths.isEmpty || widths.contains(where: { $0 < 1 }) {
            Dump.error("denseStack(\(widths)): give at least one width, each at least 1")
        }
        return Layer(text: widths.map { "dense(\($0)),\(activation.text)" }.joined(separator: ","))
    }

    /// ``denseStack(_:activation:)-([Int],Layer)`` with its widths from a list in the params file.
    public static func denseStack(_ widths: Hyperparameter, activation: Layer = .relu) -> Layer {
        guard let parameter = widths.parameter else {
            return denseStack([whole(widths, "denseStack", "width")], activation: activation)
        }
        return Layer(
            text: "densestack(\(widths.text),\(activation.text))", parameters: [parameter] + activation.parameters)
    }

    /// ``dropout(_:)-(Double)`` with its rate from the params file.
    public static func dropout(_ rate: Hyperparameter) -> Layer {
        guard let parameter = rate.parameter else { return dropout(Double(rate.text) ?? -1) }
        return Layer(text: "dropout(\(rate.text))", parameters: [parameter])
    }

    /// ``conv2d(filters:kernel:stride:padding:)-(Int,Int,Int,Int)`` with any size from the params file.
    public static func conv2d(
        filters: Hyperparameter, kernel: Hyperparameter, stride: Hyperparameter = 1, padding: Hyperparameter = 0
    ) -> Layer {
        let sizes = [filters, kernel, stride, padding]
        guard sizes.contains(where: { $0.parameter != nil }) else {
            return conv2d(
                filters: whole(filters, "conv2d", "filters"), kernel: whole(kernel, "conv2d", "kernel"),
                stride: whole(stride, "conv2d", "stride"), padding: whole(padding, "conv2d", "padding"))
        }
        return Layer(
            text: "conv2d(\(filters.text),\(kernel.text),stride=\(stride.text),padding=\(padding.text))",
            parameters: sizes.compactMap(\.parameter))
    }

    /// ``maxPool(_:stride:)-(Int,Int?)`` with its window from the params file.
    public static func maxPool(_ size: Hyperparameter) -> Layer {
        guard let parameter = size.parameter else { return maxPool(whole(size, "maxPool", "window")) }
        return Layer(text: "maxpool(\(size.text))", parameters: [parameter])
    }

    /// A literal size, which must be a whole number (`.dense(2.5)` is a mistake, not a width).
    private static func whole(_ value: Hyperparameter, _ layer: String, _ what: String) -> Int {
        guard let number = Int(value.text) else {
            Dump.error("\(layer)(\(value.text)): the \(what) must be a whole number or .param(\"key\")")
            return 1
        }
        return number
    }
}

/// What training minimises.
public enum Loss: String, Sendable {
    /// Softmax then cross-entropy with the class index (multi-class classification).
    case softmaxCrossEntropy = "softmax-cross-entropy"
    /// Sigmoid then binary cross-entropy with a 0/1 label (one output).
    case binaryCrossEntropy = "binary-cross-entropy"
    /// Mean squared error (regression, one output).
    case meanSquaredError = "mse"
}

/// A training setting: a literal, or a key of the params file so that `params.yaml` (and a
/// `--set` override) decides it and it takes part in the stage key like any parameter.
///
/// ```swift
/// epochs: 3
/// optimizer: .adam(learningRate: .param("train.lr"))
/// ```
public struct Hyperparameter: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, Sendable {
    let text: String
    let parameter: Parameter?

    /// A value read from the pipeline's params file (or `file`) by dotted key.
    public static func param(_ key: String, file: String? = nil) -> Hyperparameter {
        let label = file.map { "\($0):\(key)" } ?? key
        return Hyperparameter(text: "{param:\(label)}", parameter: .key(key, file: file))
    }

    public init(integerLiteral value: Int) { self.init(text: String(value), parameter: nil) }
    public init(floatLiteral value: Double) { self.init(text: String(value), parameter: nil) }

    init(text: String, parameter: Parameter?) {
        self.text = text
        self.parameter = parameter
    }
}

/// How parameters are updated.
///
/// ```swift
/// optimizer: .adam(learningRate: 0.001)
/// optimizer: .sgd(learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4)
/// ```
public struct Optimizer: Sendable {
    let settings: [(flag: String, value: Hyperparameter)]

    /// Adam with bias correction; weight decay is an L2 term, as in PyTorch's `Adam`.
    public static func adam(
        learningRate: Hyperparameter = 0.001, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.999,
        epsilon: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0
    ) -> Optimizer {
        Optimizer(settings: [
            (TrainerFlag.optimizer.option, Hyperparameter(text: "adam", parameter: nil)),
            (TrainerFlag.learningRate.option, learningRate), (TrainerFlag.beta1.option, beta1),
            (TrainerFlag.beta2.option, beta2), (TrainerFlag.epsilon.option, epsilon),
            (TrainerFlag.weightDecay.option, weightDecay),
        ])
    }

    /// Adam with decoupled weight decay, as PyTorch's `AdamW` (and Keras' `AdamW`): each step
    /// first shrinks the weights by 1 - learningRate·weightDecay.
    public static func adamw(
        learningRate: Hyperparameter = 0.001, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.999,
        epsilon: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0.01
    ) -> Optimizer {
        Optimizer(settings: [
            (TrainerFlag.optimizer.option, Hyperparameter(text: "adamw", parameter: nil)),
            (TrainerFlag.learningRate.option, learningRate), (TrainerFlag.beta1.option, beta1),
            (TrainerFlag.beta2.option, beta2), (TrainerFlag.epsilon.option, epsilon),
            (TrainerFlag.weightDecay.option, weightDecay),
        ])
    }

    /// Stochastic gradient descent with momentum.
    public static func sgd(
        learningRate: Hyperparameter = 0.01, momentum: Hyperparameter = 0.9, weightDecay: Hyperparameter = 0
    ) -> Optimizer {
        Optimizer(settings: [
            (TrainerFlag.optimizer.option, Hyperparameter(text: "sgd", parameter: nil)),
            (TrainerFlag.learningRate.option, learningRate), (TrainerFlag.momentum.option, momentum),
            (TrainerFlag.weightDecay.option, weightDecay),
        ])
    }
}

/// How the learning rate changes over epochs.
public enum Schedule: Sendable {
    case constant
    /// Cosine annealing to zero over the run.
    case cosine
    /// Multiply the rate by `gamma` every `every` epochs.
    case step(every: Hyperparameter, gamma: Hyperparameter)
    /// Multiply the rate by `factor` when the monitored metric (early stopping's, else
    /// `val_loss`) has not improved for `patience` epochs, never below `minimumRate` (Keras'
    /// `ReduceLROnPlateau`). Each setting may be `.param("key")`.
    case reduceOnPlateau(factor: Hyperparameter = 0.1, patience: Hyperparameter = 2, minimumRate: Hyperparameter = 0)

    var arguments: [String] {
        switch self {
        case .constant: return [TrainerFlag.schedule.option, "constant"]
        case .cosine: return [TrainerFlag.schedule.option, "cosine"]
        case .step(let every, let gamma): return [TrainerFlag.schedule.option, "step:\(every.text):\(gamma.text)"]
        case .reduceOnPlateau(let factor, let patience, let minimumRate):
            let literalFactor = factor.parameter == nil ? Double(factor.text) : 0.5
            let literalPatience = patience.parameter == nil ? Int(patience.text) : 1
            if !((literalFactor ?? 0) > 0 && (literalFactor ?? 0) < 1) || (literalPatience ?? 0) < 1 {
                Dump.error(
                    "reduceOnPlateau(factor: \(factor.text), patience: \(patience.text)): the factor must be in (0, 1) and the patience a whole number of at least 1"
                )
            }
            return [
                TrainerFlag.schedule.option, "constant", TrainerFlag.reduceOnPlateau.option, factor.text,
                TrainerFlag.plateauPatience.option, patience.text, TrainerFlag.minimumRate.option, minimumRate.text,
            ]
        }
    }

    /// The params-file keys its settings come from.
    var parameters: [Parameter] {
        switch self {
        case .constant, .cosine: return []
        case .step(let every, let gamma): return [every, gamma].compactMap(\.parameter)
        case .reduceOnPlateau(let factor, let patience, let minimumRate):
            return [factor, patience, minimumRate].compactMap(\.parameter)
        }
    }
}

/// Stop training once a metric has not improved for `patience` epochs and keep the best epoch's
/// weights (Keras' `EarlyStopping(restore_best_weights=True)`). The metrics file then records
/// `best_epoch`, `best_<monitor>` and `stopped_epoch`, so gates and `metrics diff` see them.
///
/// ```swift
/// earlyStopping: EarlyStopping(monitor: "val_accuracy", patience: .param("train.patience"))
/// ```
public struct EarlyStopping: Sendable {
    let monitor: String
    let settings: [(flag: String, value: Hyperparameter)]
    let restoreBest: Bool

    /// - Parameters:
    ///   - monitor: A key of the epoch record: `val_loss`, `val_accuracy`, `val_f1`, `loss`, ….
    ///     Accuracy, precision, recall, F1 and R² are maximised, the others minimised.
    ///   - patience: Epochs without improvement before stopping.
    ///   - minDelta: How much better counts as an improvement.
    ///   - restoreBest: Keep the best epoch's weights (else the last epoch's).
    public init(
        monitor: String = "val_loss", patience: Hyperparameter = 3, minDelta: Hyperparameter = 0,
        restoreBest: Bool = true
    ) {
        if monitor.isEmpty || monitor.contains(" ") {
            Dump.error("EarlyStopping(monitor: '\(monitor)'): name a metric such as val_loss")
        }
        self.monitor = monitor
        self.settings = [(TrainerFlag.patience.option, patience), (TrainerFlag.minDelta.option, minDelta)]
        self.restoreBest = restoreBest
    }
}

/// How inputs are normalised; fitted on the training data and stored with the model.
public enum Normalization: Sendable {
    case none
    /// Multiply every feature by `factor` (1.0 / 255 for 8-bit images).
    case scale(Double)
    /// Map each feature's training range onto [0, 1].
    case minmax
    /// Subtract each feature's mean, divide by its standard deviation.
    case standardize

    var arguments: [String] {
        switch self {
        case .none: return [TrainerFlag.normalize.option, "none"]
        case .scale(let factor):
            return [TrainerFlag.normalize.option, "scale", TrainerFlag.scaleFactor.option, String(factor)]
        case .minmax: return [TrainerFlag.normalize.option, "minmax"]
        case .standardize: return [TrainerFlag.normalize.option, "standardize"]
        }
    }
}

/// How much each class counts in the training loss (Keras' `class_weight`, PyTorch's
/// `CrossEntropyLoss(weight=…)`), for imbalanced data.
///
/// ```swift
/// classWeights: .balanced
/// classWeights: .weights([1, 5])
/// ```
public enum ClassWeights: Sendable {
    /// n / (classes × count of the class) over the training split.
    case balanced
    /// One weight per class, in class order.
    case weights([Double])

    var text: String {
        switch self {
        case .balanced: return "balanced"
        case .weights(let weights):
            if weights.isEmpty || weights.contains(where: { !($0 >= 0) }) {
                Dump.error("classWeights: .weights(\(weights)): give one non-negative weight per class")
            }
            return weights.map { String($0) }.joined(separator: ",")
        }
    }
}
