/// Formats a model's predictions as CSV.
public enum Predictions {
    /// `sample,prediction[,p_CLASS…]` rows: the class name and softmax (or sigmoid) probabilities
    /// for classification, the value for regression.
    public static func csv(_ checkpoint: ModelCheckpoint, _ data: Dataset) -> String {
        let loss = checkpoint.loss
        var (outputs, _) = Evaluator.predictions(checkpoint.model, on: data, loss: loss)
        let names = checkpoint.classNames
        guard loss.isClassification else {
            return "sample,prediction\n" + outputs.values.enumerated().map { "\($0),\($1)" }.joined(separator: "\n")
                + "\n"
        }
        let predicted = Evaluator.classes(of: outputs, loss: loss)
        let width = outputs.columns
        if loss == .softmaxCrossEntropy {
            outputs.withMutableValues { Activation.softmaxRows($0, columns: width) }
        }
        var lines = ["sample,prediction," + names.map { "p_\($0)" }.joined(separator: ",")]
        outputs.withValues { p in
            for row in 0..<outputs.rows {
                let probabilities: [Float]
                if loss == .binaryCrossEntropy {
                    let one = 1 / (1 + Activation.exp(-p[row * width]))
                    probabilities = [1 - one, one]
                } else {
                    probabilities = (0..<width).map { p[row * width + $0] }
                }
                let name = predicted[row] < names.count ? names[predicted[row]] : String(predicted[row])
                lines.append("\(row),\(name)," + probabilities.map { "\($0)" }.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
