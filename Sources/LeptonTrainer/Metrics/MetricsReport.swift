/// The quality of a model on a dataset: loss plus classification or regression metrics.
public struct MetricsReport: Sendable, Equatable {
    /// Precision, recall and F1 of one class.
    public struct ClassScores: Sendable, Equatable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Samples whose true class this is.
        public var support: Int
    }

    public var samples: Int
    public var loss: Double
    // Classification
    public var accuracy: Double?
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var classes: [ClassScores] = []
    /// Rows are true classes, columns predicted classes.
    public var confusionMatrix: [[Int]] = []
    // Regression
    public var mse: Double?
    public var mae: Double?
    public var r2: Double?

    /// Classification metrics from true and predicted class indices; precision, recall and F1
    /// are macro averages over classes (a class never predicted has precision 0).
    static func classification(
        truth: [Int], predicted: [Int], classNames: [String], loss: Double
    ) -> MetricsReport {
        let classes = classNames.count
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) { matrix[t][p] += 1 }
        var scores: [ClassScores] = []
        for c in 0..<classes {
            let truePositives = Double(matrix[c][c])
            let predictedCount = Double((0..<classes).reduce(0) { $0 + matrix[$1][c] })
            let actualCount = matrix[c].reduce(0, +)
            let precision = predictedCount > 0 ? truePositives / predictedCount : 0
            let recall = actualCount > 0 ? truePositives / Double(actualCount) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            scores.append(
                ClassScores(name: classNames[c], precision: precision, recall: recall, f1: f1, support: actualCount))
        }
        let correct = (0..<classes).reduce(0) { $0 + matrix[$1][$1] }
        let n = Double(max(classes, 1))
        var report = MetricsReport(samples: truth.count, loss: loss)
        report.accuracy = truth.isEmpty ? 0 : Double(correct) / Double(truth.count)
        report.precision = scores.reduce(0) { $0 + $1.precision } / n
        report.recall = scores.reduce(0) { $0 + $1.recall } / n
        report.f1 = scores.reduce(0) { $0 + $1.f1 } / n
        report.classes = scores
        report.confusionMatrix = matrix
        return report
    }

    /// Regression metrics: mean squared and absolute error and the coefficient of determination.
    static func regression(truth: [Float], predicted: [Float], loss: Double) -> MetricsReport {
        let n = Double(max(truth.count, 1))
        var squared = 0.0
        var absolute = 0.0
        var mean = 0.0
        for t in truth { mean += Double(t) }
        mean /= n
        var total = 0.0
        for (t, p) in zip(truth, predicted) {
            let e = Double(p) - Double(t)
            squared += e * e
            absolute += abs(e)
            total += (Double(t) - mean) * (Double(t) - mean)
        }
        var report = MetricsReport(samples: truth.count, loss: loss)
        report.mse = squared / n
        report.mae = absolute / n
        report.r2 = total > 0 ? 1 - squared / total : 0
        return report
    }

    /// The headline metrics by name (`accuracy`, `f1`, `loss`, `mse`, …), as gates read them.
    public var scalars: [String: Double] {
        var values: [String: Double] = ["loss": loss]
        for (name, value) in [
            ("accuracy", accuracy), ("precision", precision), ("recall", recall), ("f1", f1), ("mse", mse),
            ("mae", mae), ("r2", r2),
        ] {
            if let value { values[name] = value }
        }
        return values
    }

    /// The report as a JSON object: the headline scalars, `samples`, and for classification
    /// `per_class` and `confusion_matrix`.
    public var json: [String: Any] {
        var object: [String: Any] = scalars
        object["samples"] = samples
        if !classes.isEmpty {
            var perClass: [String: Any] = [:]
            for scores in classes {
                perClass[scores.name] = [
                    "precision": scores.precision, "recall": scores.recall, "f1": scores.f1, "support": scores.support,
                ]
            }
            object["per_class"] = perClass
            object["confusion_matrix"] = confusionMatrix
        }
        return object
    }
}
