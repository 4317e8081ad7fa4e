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
    /// `classWeights`, each sample's loss weighted by its class's weight and the mean taken over
    /// the weights (PyTorch's `CrossEntropyLoss(weight=…)`).
    ///
    /// Sums run in sample order in Double, so the value is the same for any thread count.
    func evaluate(
        outputs: Tensor, targets: ArraySlice<Float>, classWeights: [Float]? = nil, sampleWeights: [Float]? = nil
    ) -> (loss: Double, gradient: Tensor) {
        let classWeights = classWeights ?? (sampleWeights == nil ? nil : [])
        let batch = outputs.rows
        let width = outputs.columns
        var gradient = Tensor(zeros: outputs.shape)
        var total: Double = 0
        let first = targets.startIndex
        func weight(_ sample: Int) -> Float {
            guard let classWeights else { return 1 }
            let label = Int(targets[first + sample])
            let own = label >= 0 && label < classWeights.count ? classWeights[label] : 1
            return own * (sampleWeights?[sample] ?? 1)
        }
        var weightSum: Float = 0
        if classWeights != nil { for sample in 0..<batch { weightSum += weight(sample) } }
        let scale = 1 / Float(batch)
        // Unweighted, every sample's share is 1/batch exactly as before weights existed.
        func share(_ sample: Int) -> Float {
            classWeights == nil ? scale : weight(sample) / max(weightSum, .leastNormalMagnitude)
        }
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
                        total +=
                            Double(logSum - y[row + label]) * (classWeights == nil ? 1 : Double(own) * Double(batch))
                        for j in 0..<width {
                            let p = Foundation.exp(y[row + j] - logSum)
                            g[row + j] = (p - (j == label ? 1 : 0)) * own
                        }
                    case .binaryCrossEntropy:
                        let z = y[row]
                        // log(1 + e^-|z|) + max(z, 0) - z·t, the stable form.
                        let own = share(sample)
                        let loss = Double(Foundation.log1p(Foundation.exp(-abs(z))) + max(z, 0) - z * target)
                        total += loss * (classWeights == nil ? 1 : Double(own) * Double(batch))
                        let p = 1 / (1 + Foundation.exp(-z))
                        g[row] = (p - target) * own
                    case .meanSquaredError:
                        let difference = y[row] - target
                        let own = share(sample)
                        total +=
                            Double(difference * difference) * (classWeights == nil ? 1 : Double(own) * Double(batch))
                        g[row] = 2 * difference * own
                    }
                }
            }
        }
        return (total / Double(batch), gradient)
    }
}
