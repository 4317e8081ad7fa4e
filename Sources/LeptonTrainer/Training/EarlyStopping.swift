/// Stops training once a monitored metric has not improved for `patience` epochs, keeping the
/// weights of the best epoch (Keras' `EarlyStopping(restore_best_weights=True)`).
public struct EarlyStopping: Sendable, Equatable {
    /// A key of the epoch record: `val_loss` (the default), `val_accuracy`, `val_f1`, `loss`, ….
    public var monitor: String
    /// Epochs without improvement before stopping.
    public var patience: Int
    /// How much better than the best so far counts as an improvement.
    public var minDelta: Double
    /// Whether the result is the best epoch's weights (else the last epoch's).
    public var restoreBest: Bool

    public init(monitor: String = "val_loss", patience: Int = 3, minDelta: Double = 0, restoreBest: Bool = true) {
        self.monitor = monitor
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBest = restoreBest
    }

    /// Whether larger values of `monitor` are better: accuracy, precision, recall, F1 and R²
    /// are; losses and errors are not.
    public static func maximizes(_ monitor: String) -> Bool {
        ["accuracy", "precision", "recall", "f1", "r2"].contains { monitor.hasSuffix($0) }
    }

    /// Whether `value` beats `best` by more than `minDelta` in the monitor's direction.
    static func improves(_ value: Double, on best: Double?, monitor: String, minDelta: Double) -> Bool {
        guard let best else { return true }
        return maximizes(monitor) ? value > best + minDelta : value < best - minDelta
    }
}

/// Multiplies the learning rate by `factor` once a monitored metric has not improved for
/// `patience` epochs (Keras' `ReduceLROnPlateau`, PyTorch's `ReduceLROnPlateau`).
public struct PlateauReduction: Sendable, Equatable {
    public var monitor: String
    public var factor: Double
    public var patience: Int
    public var minDelta: Double
    /// The rate is never reduced below this.
    public var minimumRate: Double

    public init(
        monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 2, minDelta: Double = 0,
        minimumRate: Double = 0
    ) {
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.minDelta = minDelta
        self.minimumRate = minimumRate
    }
}

/// How a run with early stopping ended: the best epoch (whose weights the result holds when
/// restoring) and the last one run.
public struct StoppingReport: Sendable, Equatable {
    public var monitor: String
    public var bestEpoch: Int
    public var bestValue: Double
    public var stoppedEpoch: Int
    /// Whether the result holds the best epoch's weights rather than the last one's.
    public var restored: Bool

    /// What the metrics file records: `best_epoch`, `best_<monitor>`, `stopped_epoch`.
    var json: [String: Any] {
        ["best_epoch": bestEpoch, "best_\(monitor)": bestValue, "stopped_epoch": stoppedEpoch]
    }
}
