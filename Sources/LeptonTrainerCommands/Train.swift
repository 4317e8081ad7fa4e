import ArgumentParser
import Foundation
import LeptonTrainer

/// `lepton train`: trains a model with the built-in trainer and writes its checkpoint.
public struct Train: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: TrainerSubcommand.train.rawValue,
        abstract: "Train a model with the built-in tensor trainer.",
        discussion: """
            Writes the weights to --checkpoint (safetensors, loadable by PyTorch) and a JSON sidecar \
            beside it (model.safetensors -> model.json) with the architecture, classes, normalisation \
            and configuration. The same data, configuration and seed give byte-identical files for \
            any --threads. A `.train(…)` stage in a Leptonfile runs this command.

            Example: lepton train --idx-images train-images-idx3-ubyte.gz --idx-labels \
            train-labels-idx1-ubyte.gz --layers 'dense(256),relu,dense(128),relu,dense(10)' \
            --normalize scale --scale-factor 0.00392156862745098 --epochs 3 --batch-size 128 \
            --checkpoint model/model.safetensors
            """)

    @OptionGroup(title: "Data") var data: DataOptions

    @Option(
        name: .customLong(TrainerFlag.layers.rawValue),
        help:
            "The layers, e.g. 'dense(256),relu,dropout(0.2),dense(10)'; also conv2d(F,K), maxpool(S), flatten, sigmoid, tanh, softmax."
    )
    var layers: String

    @Option(name: .customLong(TrainerFlag.loss.rawValue), help: "softmax-cross-entropy, binary-cross-entropy or mse.")
    var loss: String = LossFunction.softmaxCrossEntropy.rawValue

    @OptionGroup(title: "Optimisation") var optimization: OptimizationOptions

    @Option(name: .customLong(TrainerFlag.epochs.rawValue), help: "Passes over the training data.") var epochs = 10
    @Option(name: .customLong(TrainerFlag.batchSize.rawValue), help: "Samples per gradient step.") var batchSize = 32
    @Option(
        name: .customLong(TrainerFlag.seed.rawValue),
        help: "Seed of every random choice (weights, shuffles, dropout, the validation split).") var seed: UInt64 =
            0

    @Option(
        name: .customLong(TrainerFlag.validationSplit.rawValue),
        help: "Fraction held out to validate each epoch (0 for none).")
    var validationSplit = 0.0

    @Option(
        name: .customLong(TrainerFlag.normalize.rawValue),
        help: "none, scale, minmax or standardize; fitted on the training data, stored with the model.")
    var normalize = "none"

    @Option(
        name: .customLong(TrainerFlag.scaleFactor.rawValue),
        help: "The factor of --normalize scale (1/255 for 8-bit images).")
    var scaleFactor = 1.0

    @Option(
        name: .customLong(TrainerFlag.threads.rawValue),
        help: "Kernel threads (default: $LEPTON_TRAIN_THREADS, else every core). Results do not depend on it.")
    var threads: Int?

    @Option(
        name: .customLong(TrainerFlag.checkpoint.rawValue),
        help: "Where to write the weights (.safetensors); the sidecar goes beside it.")
    var checkpoint: String

    @Option(
        name: .customLong(TrainerFlag.metrics.rawValue),
        help: "Where to write the final metrics (JSON): training loss, validation metrics.")
    var metrics: String?

    @Option(
        name: .customLong(TrainerFlag.warmStart.rawValue),
        help: "Start from this checkpoint's weights (same layers and input shape), with a fresh optimizer.")
    var warmStart: String?
    @Option(
        name: .customLong(TrainerFlag.saveState.rawValue),
        help:
            "Also write the training state here (optimizer moments, random sequences, early stopping's progress), for --resume-from."
    )
    var saveState: String?
    @Option(
        name: .customLong(TrainerFlag.resumeFrom.rawValue),
        help:
            "Continue a run from its --save-state file up to --epochs; the result is the same as one uninterrupted run."
    )
    var resumeFrom: String?
    @Option(
        name: .customLong(TrainerFlag.history.rawValue),
        help: "Where to write the per-epoch history (.json or .csv) for plots.")
    var history: String?

    public func validate() throws {
        guard epochs >= 0 else { throw ValidationError("Please give --epochs of at least 0.") }
        guard batchSize >= 1 else { throw ValidationError("Please give --batch-size of at least 1.") }
        guard (0..<1).contains(validationSplit) else {
            throw ValidationError("Please give --validation-split in [0, 1).")
        }
        if let threads, threads < 1 { throw ValidationError("Please give --threads of at least 1.") }
    }

    public init() {}

    public func run() throws {
        let console = TrainerConsole()
        let configuration = try makeConfiguration()
        let context = ComputeContext(threads: configuration.threads)
        let source = try data.source()
        try TrainerRun.reportingErrors(console) { () throws(TrainerError) in
            let dataset = try source.load()
            console.line(
                "training \(configuration.layers.map(\.text).joined(separator: ",")) on \(dataset.count) samples "
                    + "of shape \(dataset.sampleShape), \(context.threads) thread(s), kernels \(ComputeContext.instructionSet), "
                    + TrainerRun.buildKind)
            if configuration.loss.isClassification && Set(dataset.targets).count < 2 {
                console.error(
                    "warning: every training sample has the same label; the model can only learn to predict it (check the label column and the data split)"
                )
            }
            if dataset.sampleShape.reduce(1, *) == 0 {
                console.error("warning: the training data has no feature columns, only labels")
            }
            let trainer = Trainer(configuration, context: context)
            let resume = try resumeFrom.map { path throws(TrainerError) in try TrainingState.read(from: path) }
            let start = try warmStart.map { path throws(TrainerError) in
                try ModelCheckpoint.read(from: path, context: context)
            }
            if let resume { console.line("resuming after epoch \(resume.epochs) from \(resumeFrom ?? "")") }
            // Every epoch up to 20; beyond that about 20 lines, always including the last.
            let every = max(1, (configuration.epochs + 19) / 20)
            let bar = console.isTerminal ? ProgressBar(epochs: configuration.epochs) : nil
            let result = try trainer.train(
                dataset,
                progress: { report in
                    bar?.clear()
                    if report.epoch % every == 0 || report.epoch == configuration.epochs {
                        console.line(TrainerRun.describe(report, epochs: configuration.epochs))
                    }
                },
                batchProgress: bar.map { bar in { bar.update($0) } },
                built: { model in
                    for line in ModelSummary(model).lines { console.line(line) }
                }, resume: resume, warmStart: start)
            if let stopping = result.stopping {
                let value = TrainerRun.format(stopping.bestValue)
                let ended =
                    stopping.stoppedEpoch < configuration.epochs
                    ? "stopped after epoch \(stopping.stoppedEpoch): \(stopping.monitor) did not improve for \(configuration.earlyStopping?.patience ?? 0) epochs"
                    : "ran every epoch"
                let kept =
                    stopping.restored ? "kept the weights of epoch \(stopping.bestEpoch)" : "kept the last weights"
                console.line(
                    "early stopping: \(ended); \(kept) (best \(stopping.monitor) \(value) at epoch \(stopping.bestEpoch))"
                )
            }
            var checkpoint = result.checkpoint
            checkpoint.training["data"] = source.paths
            try checkpoint.write(to: self.checkpoint)
            console.line("wrote \(self.checkpoint) and \(ModelCheckpoint.sidecarPath(for: self.checkpoint))")
            if let history {
                try TrainingHistory.write(result.history, to: history)
            }
            if let saveState {
                try result.state.write(to: saveState)
                console.line("wrote the training state to \(saveState)")
            }
            if let metrics {
                try TrainingHistory.writeFinalMetrics(result, to: metrics)
            }
        }
    }

    private func makeConfiguration() throws -> TrainingConfiguration {
        guard let lossFunction = LossFunction(rawValue: loss) else {
            throw ValidationError(
                "Unknown --loss '\(loss)'; use one of \(LossFunction.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        guard let normalization = Normalization.Kind(rawValue: normalize) else {
            throw ValidationError(
                "Unknown --normalize '\(normalize)'; use one of \(Normalization.Kind.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        }
        let specs: [LayerSpec]
        do { specs = try LayerSpec.parseList(layers) } catch { throw ValidationError(error.message) }
        return TrainingConfiguration(
            layers: specs, loss: lossFunction, optimizer: try optimization.configuration(), epochs: epochs,
            batchSize: batchSize, seed: seed, validationSplit: validationSplit, normalization: normalization,
            normalizationFactor: scaleFactor, threads: threads ?? TrainerRun.defaultThreads,
            earlyStopping: try optimization.earlyStopping(), plateau: try optimization.plateau(),
            warmupEpochs: optimization.warmupEpochs, clipNorm: optimization.clipNorm,
            classWeights: try optimization.classWeights())
    }
}
