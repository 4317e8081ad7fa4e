import ArgumentParser
import Foundation
import LeptonMetrics
import LeptonTrainer

/// `lepton evaluate`: measures a checkpoint on a dataset and checks quality gates.
public struct Evaluate: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: TrainerSubcommand.evaluate.rawValue,
        abstract: "Compute a trained model's metrics on a dataset, optionally gating on them.",
        discussion: """
            Prints and writes loss, accuracy, macro precision/recall/F1, per-class scores and the \
            confusion matrix (classification) or MSE/MAE/R² (regression). Each --require names a \
            metric, a comparison and a threshold; if one fails the command exits with status 3 \
            after writing the metrics. An `.evaluate(…)` stage in a Leptonfile runs this command.
            """)

    @Option(
        name: .customLong(TrainerFlag.checkpoint.rawValue),
        help: "The model's weights (.safetensors); its sidecar is read from beside it.")
    var checkpoint: String

    @OptionGroup(title: "Data") var data: DataOptions

    @Option(name: .customLong(TrainerFlag.metrics.rawValue), help: "Where to write the metrics (JSON).")
    var metrics: String?

    @Option(
        name: .customLong(TrainerFlag.require.rawValue), help: "A quality gate such as 'accuracy >= 0.9' (repeatable).")
    var gates: [String] = []

    @Option(
        name: .customLong(TrainerFlag.threads.rawValue),
        help: "Kernel threads (default: $LEPTON_TRAIN_THREADS, else every core).")
    var threads: Int?

    public init() {}

    public func run() throws {
        let console = TrainerConsole()
        var parsedGates: [MetricGate] = []
        for text in gates {
            do { parsedGates.append(try MetricGate(parsing: text)) } catch { throw ValidationError(error.message) }
        }
        let source = try data.source()
        var failures: [String] = []
        try TrainerRun.reportingErrors(console) { () throws(TrainerError) in
            let context = ComputeContext(threads: threads ?? TrainerRun.defaultThreads)
            let model = try ModelCheckpoint.read(from: checkpoint, context: context)
            let dataset = try model.prepare(source)
            let report = Evaluator.evaluate(
                model.model, on: dataset, loss: model.loss, classNames: model.classNames)
            for (name, value) in report.scalars.sorted(by: { $0.key < $1.key }) {
                console.line("\(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(TrainerRun.format(value))")
            }
            if let metrics { try TrainingHistory.write(report, to: metrics) }
            failures = parsedGates.compactMap { $0.failure(in: report.scalars) }
        }
        for failure in failures { console.error("error: \(failure)") }
        if !failures.isEmpty { throw TrainerRun.gateFailed }
    }
}
