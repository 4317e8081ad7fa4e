import Foundation

/// What training minimises.
public enum LossFunction: String, Sendable, CaseIterable, Codable {
    /// Softmax over the model's outputs (its logits) then cross-entropy with the class index.
    case softmaxCrossEntropy = "softmax-cross-entropy"
    /// Sigmoid of a single output then binary cross-entropy with a 0/1 label.
    case binaryCrossEntropy = "binary-cross-entropy"
    /// Mean squared error between a single output and the target value.
    case meanSquaredError = "mse"

    /// Whether the targets are class indices.
    public var isClassification: Bool { self != .meanSquaredError }

    /// The mean loss over a batch and its gradient with respect to `outputs`; with
    /// `classWeights` and/or `sampleWeights`, each sample's loss weighted by its class's weight
    /// times its own and the mean taken over the weights (PyTorch's `CrossEntropyLoss(weight=…)`).
    ///
    /// Sums run in sample order in Double, so the value is the same for any thread count.
    func evaluate(
        outputs: Tensor, targets: ArraySlice<Float>, classWeights: [Float]? = nil, sampleWeights: [Float]? = nil
    ) -> (loss: Double, gradient: Tensor) {
        let batch = outputs.rows
        let width = outputs.columns
        var gradient = Tensor(zeros: outputs.shape)
        var total: Double = 0
        let first = targets.startIndex
        // Each sample's weight, its class's times its own; nil when every weight is 1.
        let weights: [Float]? =
            classWeights == nil && sampleWeights == nil
            ? nil
            : (0..<batch).map { sample in
                let label = Int(targets[first + sample])
                let own = classWeights.flatMap { label >= 0 && label < $0.count ? $0[label] : nil } ?? 1
                return own * (sampleWeights?[sample] ?? 1)
            }
        let weightSum = max(weights?.reduce(0, +) ?? 0, .leastNormalMagnitude)
        let scale = 1 / Float(batch)
        // Unweighted, every sample's share is 1/batch exactly as before weights existed.
        func share(_ sample: Int) -> Float { weights.map { $0[sample] / weightSum } ?? scale }
        // A sample's loss times batch·share, so that total / batch is the weighted mean.
        func lossWeight(_ share: Float) -> Double { weights == nil ? 1 : Double(share) * Double(batch) }
        outputs.withValues { y in
            gradient.withMutableValues { g in
                for sample in 0..<batch {
                    let row = sample * width
                    let target = targets[first + sample]
                    switch self {
                    case .softmaxCrossEntropy:
                        var maximum = -Float.infinity
                        for j in 0..<width { maximum = max(maximum, y[row + j]) }
                        var sum: Float = 0
                        for j in 0..<width { sum += Foundation.exp(y[row + j] - maximum) }
                        let logSum = Foundation.log(sum) + maximum
                        let label = Int(target)
                        let own = share(sample)
                        total += Double(logSum - y[row + label]) * lossWeight(own)
                        for j in 0..<width {
                            let p = Foundation.exp(y[row + j] - logSum)
                            g[row + j] = (p - (j == label ? 1 : 0)) * own
                        }
                    case .binaryCrossEntropy:
                        let z = y[row]
                        // log(1 + e^-|z|) + max(z, 0) - z·t, the stable form.
                        let own = share(sample)
                        let loss = Double(Foundation.log1p(Foundation.exp(-abs(z))) + max(z, 0) - z * target)
                        total += loss * lossWeight(own)
                        let p = 1 / (1 + Foundation.exp(-z))
                        g[row] = (p - target) * own
                    case .meanSquaredError:
                        let difference = y[row] - target
                        let own = share(sample)
                        total += Double(difference * difference) * lossWeight(own)
                        g[row] = 2 * difference * own
                    }
                }
            }
        }
        return (total / Double(batch), gradient)
    }
}
