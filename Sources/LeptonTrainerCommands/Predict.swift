import ArgumentParser
import Foundation
import LeptonTrainer

/// `lepton predict`: runs a trained model over samples and writes its predictions.
public struct Predict: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: TrainerSubcommand.predict.rawValue,
        abstract: "Predict with a trained model: one CSV row per sample.",
        discussion: """
            Classification rows hold the predicted class and each class's probability; regression \
            rows hold the predicted value. Labels in the data are optional and ignored.
            """)

    @Option(
        name: .customLong(TrainerFlag.checkpoint.rawValue),
        help: "The model's weights (.safetensors); its sidecar is read from beside it.")
    var checkpoint: String

    @OptionGroup(title: "Data") var data: DataOptions

    @Option(help: "Where to write the predictions (CSV); standard output if omitted.")
    var output: String?

    @Option(
        name: .customLong(TrainerFlag.threads.rawValue),
        help: "Kernel threads (default: $LEPTON_TRAIN_THREADS, else every core).")
    var threads: Int?

    public init() {}

    public func run() throws {
        let console = TrainerConsole()
        let source = try data.source(labelsOptional: true)
        try TrainerRun.reportingErrors(console) { () throws(TrainerError) in
            let context = ComputeContext(threads: threads ?? TrainerRun.defaultThreads)
            let model = try ModelCheckpoint.read(from: checkpoint, context: context)
            let dataset = try model.prepare(source)
            let text = Predictions.csv(model, dataset)
            if let output {
                try ModelCheckpoint.writeAtomically(Data(text.utf8), to: output)
            } else {
                console.write(text)
            }
        }
    }
}
