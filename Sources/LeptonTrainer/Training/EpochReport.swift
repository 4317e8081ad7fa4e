/// What one training epoch achieved.
public struct EpochReport: Sendable {
    /// One-based.
    public var epoch: Int
    public var learningRate: Double
    /// Mean training loss over the epoch's batches.
    public var loss: Double
    /// Training accuracy over the epoch (classification).
    public var accuracy: Double?
    public var validation: MetricsReport?
    /// Wall-clock time and throughput: shown, never recorded in outputs (they vary between runs).
    public var seconds: Double
    public var samplesPerSecond: Double
    /// The recorded values of an epoch read back from a training state (a resumed run's earlier
    /// epochs), which replace the fields above in ``json``.
    var recorded: [String: Double]?

    public init(
        epoch: Int, learningRate: Double, loss: Double, accuracy: Double?, validation: MetricsReport?,
        seconds: Double, samplesPerSecond: Double
    ) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.loss = loss
        self.accuracy = accuracy
        self.validation = validation
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
    }

    /// An epoch as a training state recorded it.
    init(epoch: Int, recorded: [String: Double]) {
        self.init(
            epoch: epoch, learningRate: recorded["learning_rate"] ?? 0, loss: recorded["loss"] ?? 0,
            accuracy: recorded["accuracy"], validation: nil, seconds: 0, samplesPerSecond: 0)
        self.recorded = recorded
    }

    /// The recorded form: everything but the timing.
    var json: [String: Any] {
        if let recorded {
            var object: [String: Any] = recorded
            object["epoch"] = epoch
            return object
        }
        var object: [String: Any] = ["epoch": epoch, "learning_rate": learningRate, "loss": loss]
        if let accuracy { object["accuracy"] = accuracy }
        if let validation {
            for (name, value) in validation.scalars { object["val_" + name] = value }
        }
        return object
    }
}
