/// Runs a model over a dataset in batches and measures it.
public enum Evaluator {
    /// The metrics of `model` on `data` (already normalised).
    public static func evaluate(
        _ model: Model, on data: Dataset, loss: LossFunction, classNames: [String], batchSize: Int = 256
    ) -> MetricsReport {
        let (outputs, lossValue) = predictions(model, on: data, loss: loss, batchSize: batchSize)
        if loss.isClassification {
            let predicted = classes(of: outputs, loss: loss)
            let names = classNames.isEmpty ? (0..<max(data.classCount, outputs.columns)).map(String.init) : classNames
            let count = loss == .binaryCrossEntropy ? 2 : names.count
            return MetricsReport.classification(
                truth: data.targets.map { Int($0) }, predicted: predicted,
                classNames: Array(names.prefix(max(count, 2))),
                loss: lossValue)
        }
        return MetricsReport.regression(truth: data.targets, predicted: outputs.values, loss: lossValue)
    }

    /// The model's raw outputs (logits for softmax cross-entropy) for every sample, and the mean loss.
    public static func predictions(
        _ model: Model, on data: Dataset, loss: LossFunction, batchSize: Int = 256
    ) -> (outputs: Tensor, loss: Double) {
        let width = model.outputShape.reduce(1, *)
        var all = Tensor(zeros: [data.count, width])
        var total = 0.0
        var start = 0
        let indices = Array(0..<data.count)
        while start < data.count {
            let end = min(data.count, start + batchSize)
            let batch = data.subset(indices[start..<end])
            let output = model.forward(batch.features, training: false, logits: loss == .softmaxCrossEntropy)
            total += loss.evaluate(outputs: output, targets: batch.targets[...]).loss * Double(end - start)
            all.withMutablePointer { out in
                output.withPointer { (out + start * width).update(from: $0, count: output.count) }
            }
            start = end
        }
        return (all, data.count > 0 ? total / Double(data.count) : 0)
    }

    /// The predicted class of each row: the arg-max (first on ties), or output > 0 for a single
    /// sigmoid output.
    public static func classes(of outputs: Tensor, loss: LossFunction) -> [Int] {
        let width = outputs.columns
        return outputs.withValues { y in
            (0..<outputs.rows).map { row in
                if loss == .binaryCrossEntropy || width == 1 { return y[row * width] > 0 ? 1 : 0 }
                var best = 0
                for j in 1..<width where y[row * width + j] > y[row * width + best] { best = j }
                return best
            }
        }
    }
}
