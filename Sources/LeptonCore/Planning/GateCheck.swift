import LeptonMetrics
import LeptonSystem

/// Checks a stage's quality gates against its metrics files.
enum GateCheck {
    /// The failure when a gate does not hold (or a metrics file cannot be read), nil when all pass.
    ///
    /// `pipelineGates` apply only when the stage's metrics hold their metric.
    static func failure(
        of stage: StageDescription, pipelineGates: [String] = [], root: String, baseline: [String: Double]
    ) -> StageFailure? {
        var metrics: [String: [String: Double]] = [:]
        for file in stage.metrics {
            do throws(LeptonError) {
                let bytes = try PosixFileSystem().read(RelativePath.join(root, file))
                let read = try MetricsFile.read(path: file, bytes: bytes)
                metrics[file] = Dictionary(read.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
            } catch {
                var failure = StageFailure(message: "cannot check the gates: \(error.message)")
                failure.isGateFailure = true
                return failure
            }
        }
        let values = MetricsFile.byName(metrics)
        var messages: [String] = []
        for text in stage.gates {
            guard let gate = try? MetricGate(parsing: text) else {
                messages.append("quality gate '\(text)' cannot be read; write it as e.g. 'accuracy >= 0.9'")
                continue
            }
            if let message = gate.failure(in: values, previous: baseline) { messages.append(message) }
        }
        for text in pipelineGates {
            guard let gate = try? MetricGate(parsing: text), values[gate.metric] != nil else { continue }
            if let message = gate.failure(in: values, previous: baseline) { messages.append(message) }
        }
        guard !messages.isEmpty else { return nil }
        var failure = StageFailure(message: messages.joined(separator: "; "))
        failure.isGateFailure = true
        return failure
    }
}
