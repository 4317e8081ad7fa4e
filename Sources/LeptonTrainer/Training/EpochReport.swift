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

    /// The recorded form: everything but the timing.
    var json: [String: Any] {
        var object: [String: Any] = ["epoch": epoch, "learning_rate": learningRate, "loss": loss]
        if let accuracy { object["accuracy"] = accuracy }
        if let validation {
            for (name, value) in validation.scalars { object["val_" + name] = value }
        }
        return object
    }
}
