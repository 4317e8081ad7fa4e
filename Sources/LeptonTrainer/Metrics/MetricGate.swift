import Foundation

/// A condition on a metric that must hold for a build to pass: `accuracy >= 0.9`, `loss < 0.5`.
public struct MetricGate: Sendable, Equatable, CustomStringConvertible {
    /// How the metric is compared with the threshold.
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">="
        case above = ">"
        case atMost = "<="
        case below = "<"
        case equal = "=="
    }

    /// The metric's name (a dotted key into a metrics file).
    public var metric: String
    public var comparison: Comparison
    public var threshold: Double

    public init(metric: String, comparison: Comparison, threshold: Double) {
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
    }

    /// Parses `METRIC OP NUMBER` with OP one of `>=`, `>`, `<=`, `<`, `==` (spaces optional).
    ///
    /// - Throws: ``TrainerError`` explaining the form.
    public init(parsing text: String) throws(TrainerError) {
        let operators: [Comparison] = [.atLeast, .atMost, .equal, .above, .below]
        for comparison in operators {
            guard let range = text.range(of: comparison.rawValue) else { continue }
            let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let number = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, let threshold = Double(number) else { break }
            self.init(metric: name, comparison: comparison, threshold: threshold)
            return
        }
        throw TrainerError(
            "invalid gate '\(text)'; write METRIC OP NUMBER with OP one of >=, >, <=, <, ==, e.g. 'accuracy >= 0.9'")
    }

    /// Whether `value` passes.
    public func passes(_ value: Double) -> Bool {
        switch comparison {
        case .atLeast: return value >= threshold
        case .above: return value > threshold
        case .atMost: return value <= threshold
        case .below: return value < threshold
        case .equal: return value == threshold
        }
    }

    /// Checks the gate against named values; nil when it passes, else the failure message naming
    /// the metric, the requirement and the value.
    public func failure(in values: [String: Double]) -> String? {
        guard let value = values[metric] else {
            let known = values.keys.sorted().joined(separator: ", ")
            return "quality gate '\(self)' failed: no metric '\(metric)' (metrics: \(known))"
        }
        if passes(value) { return nil }
        return "quality gate failed: \(metric) is \(value), the build requires \(self)"
    }

    public var description: String { "\(metric) \(comparison.rawValue) \(threshold)" }
}
