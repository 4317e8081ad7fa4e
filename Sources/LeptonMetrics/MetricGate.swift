/// A condition on a metric that must hold for a build to pass: `accuracy >= 0.9`,
/// `loss <= previous`, `accuracy >= previous - 0.5%` (no worse than the last successful run by
/// more than 0.5%).
public struct MetricGate: Sendable, Equatable, CustomStringConvertible {
    /// How the metric is compared with the threshold.
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">="
        case above = ">"
        case atMost = "<="
        case below = "<"
        case equal = "=="
    }

    /// What the metric is compared with.
    public enum Threshold: Sendable, Equatable {
        case value(Double)
        /// The metric's value in the last successful run, moved by `offset` (a fraction of it
        /// when `relative`).
        case previous(offset: Double, relative: Bool)
    }

    /// The metric's flattened name (`accuracy`, `eval.f1`), optionally `FILE:NAME`.
    public var metric: String
    public var comparison: Comparison
    public var threshold: Threshold
    /// The text the gate was written as.
    public var text: String

    /// Parses `METRIC OP NUMBER` or `METRIC OP previous[ ± N[%]]`, OP one of `>=`, `>`, `<=`, `<`, `==`.
    ///
    /// - Throws: ``MetricGateError`` explaining the accepted forms.
    public init(parsing text: String) throws(MetricGateError) {
        self.text = text
        let operators: [Comparison] = [.atLeast, .atMost, .equal, .above, .below]
        for comparison in operators {
            guard let range = text.firstRange(of: comparison.rawValue) else { continue }
            let name = MetricGate.trimmed(text[..<range.lowerBound])
            let right = MetricGate.trimmed(text[range.upperBound...])
            guard !name.isEmpty, let threshold = MetricGate.threshold(right) else { break }
            self.metric = name
            self.comparison = comparison
            self.threshold = threshold
            return
        }
        throw MetricGateError(
            "invalid gate '\(text)'; write METRIC OP NUMBER or METRIC OP previous[ - N%], OP one of >=, >, <=, <, ==, "
                + "e.g. 'accuracy >= 0.9', 'loss <= previous', 'accuracy >= previous - 0.5%'")
    }

    /// Whether the gate compares with the last successful run.
    public var needsPrevious: Bool {
        if case .previous = threshold { return true }
        return false
    }

    /// Checks the gate; nil when it passes, else the failure naming the metric, the requirement
    /// and the value. `values` are the current metrics by name (or `FILE:NAME`), `previous` those
    /// of the last successful run (a gate on `previous` passes when there is none yet).
    public func failure(in values: [String: Double], previous: [String: Double]? = nil) -> String? {
        guard let value = values[metric] else {
            let known = values.keys.filter { !$0.contains(":") }.sorted().joined(separator: ", ")
            return "quality gate '\(text)' failed: there is no metric '\(metric)' (metrics: \(known))"
        }
        let limit: Double
        switch threshold {
        case .value(let number): limit = number
        case .previous(let offset, let relative):
            guard let old = previous?[metric] else { return nil }
            limit = relative ? old + abs(old) * offset : old + offset
        }
        if passes(value, limit) { return nil }
        let against = needsPrevious ? " (\(text): the last successful run gives \(limit))" : ""
        return
            "quality gate failed: \(metric) is \(value), the build requires \(metric) \(comparison.rawValue) \(limit)\(against)"
    }

    private func passes(_ value: Double, _ limit: Double) -> Bool {
        switch comparison {
        case .atLeast: return value >= limit
        case .above: return value > limit
        case .atMost: return value <= limit
        case .below: return value < limit
        case .equal: return value == limit
        }
    }

    public var description: String { text }

    /// `0.9`, `previous`, `previous - 0.5%`, `previous + 0.01`.
    private static func threshold(_ text: String) -> Threshold? {
        if let number = Double(text) { return .value(number) }
        guard text.hasPrefix("previous") else { return nil }
        var rest = trimmed(text.dropFirst("previous".count))
        if rest.isEmpty { return .previous(offset: 0, relative: false) }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
        rest = trimmed(rest.dropFirst())
        let relative = rest.hasSuffix("%")
        guard let amount = Double(relative ? String(rest.dropLast()) : rest), amount >= 0 else { return nil }
        let signed = sign == "-" ? -amount : amount
        return .previous(offset: relative ? signed / 100 : signed, relative: relative)
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        var result = Substring(text)
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return String(result)
    }
}

/// A gate that does not parse.
public struct MetricGateError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
