extension Stage {
    /// A stage that trains a model with Lepton's built-in tensor trainer (`lepton train`).
    ///
    /// Every setting enters the stage key, so changing the learning rate retrains and changing
    /// it back restores the earlier model from the cache. A ``Hyperparameter/param(_:file:)``
    /// setting is read from the params file and keyed like any parameter. `threads` changes
    /// speed only (results are bit-identical for any thread count), so it is not keyed.
    /// The stage's outputs are the checkpoint (safetensors), its sidecar (`model.json` beside
    /// `model.safetensors`) and the history; `metrics` is a metrics file.
    ///
    /// ```swift
    /// .train(
    ///     name: "train",
    ///     data: .idx(images: "data/train-images.gz", labels: "data/train-labels.gz"),
    ///     model: [.dense(256), .relu, .dense(128), .relu, .dense(10)],
    ///     optimizer: .adam(learningRate: .param("train.lr")),
    ///     epochs: 3, batchSize: 128, seed: 1, validationSplit: 0.1,
    ///     normalization: .scale(1.0 / 255),
    ///     earlyStopping: EarlyStopping(monitor: "val_loss", patience: 3),
    ///     checkpoint: "model/model.safetensors",
    ///     metrics: "metrics/train.json", history: "metrics/history.json"
    /// )
    /// ```
    public static func train(
        name: String,
        data: TrainingData,
        model: [Layer],
        loss: Loss = .softmaxCrossEntropy,
        optimizer: Optimizer = .adam(),
        schedule: Schedule = .constant,
        epochs: Hyperparameter = 10,
        batchSize: Hyperparameter = 32,
        seed: Hyperparameter = 0,
        validationSplit: Hyperparameter = 0,
        normalization: Normalization = .none,
        earlyStopping: EarlyStopping? = nil,
        warmupEpochs: Hyperparameter = 0,
        clipNorm: Hyperparameter? = nil,
        classWeights: ClassWeights? = nil,
        warmStart: String? = nil,
        checkpoint: String,
        metrics: String? = nil,
        history: String? = nil,
        state: String? = nil,
        threads: Int? = nil,
        code: [Code] = [],
        after: [String] = []
    ) -> Stage {
        if model.isEmpty {
            Dump.error("stage '\(name)': the model has no layers; give at least one, e.g. [.dense(10)]")
        }
        if !checkpoint.hasSuffix(".safetensors") {
            Dump.error("stage '\(name)': the checkpoint '\(checkpoint)' must end in .safetensors")
        }
        var settings: [(flag: String, value: Hyperparameter)] = optimizer.settings
        settings += [
            (TrainerFlag.epochs.option, epochs), (TrainerFlag.batchSize.option, batchSize),
            (TrainerFlag.seed.option, seed), (TrainerFlag.validationSplit.option, validationSplit),
        ]
        // Only when set, so stages written before it existed keep their keys.
        if warmupEpochs.parameter != nil || warmupEpochs.text != "0" {
            settings.append((TrainerFlag.warmupEpochs.option, warmupEpochs))
        }
        if let clipNorm { settings.append((TrainerFlag.clipNorm.option, clipNorm)) }
        if let earlyStopping { settings += earlyStopping.settings }
        var arguments = [TrainerSubcommand.train.rawValue] + data.arguments
        arguments += [TrainerFlag.layers.option, model.map(\.text).joined(separator: ",")]
        arguments += [TrainerFlag.loss.option, loss.rawValue] + schedule.arguments
        if let earlyStopping {
            arguments += [
                TrainerFlag.monitor.option, earlyStopping.monitor, TrainerFlag.restoreBest.option,
                earlyStopping.restoreBest ? "true" : "false",
            ]
        }
        arguments += normalization.arguments
        if let classWeights { arguments += [TrainerFlag.classWeight.option, classWeights.text] }
        for setting in settings { arguments += [setting.flag, setting.value.text] }
        arguments += [TrainerFlag.checkpoint.option, checkpoint]
        var outputs: [Output] = [.file(checkpoint), .file(sidecar(of: checkpoint))]
        if let history {
            arguments += [TrainerFlag.history.option, history]
            outputs.append(.file(history))
        }
        if let metrics { arguments += [TrainerFlag.metrics.option, metrics] }
        var inputs: [Input] = data.paths.map { .file($0) }
        if let warmStart {
            arguments += [TrainerFlag.warmStart.option, warmStart]
            inputs += [.file(warmStart), .file(sidecar(of: warmStart))]
        }
        if let state {
            arguments += [TrainerFlag.saveState.option, state]
            outputs.append(.file(state))
        }
        let stage = Stage.stage(
            name: name,
            command: Command(kind: .tool(arguments, settings: threadSettings(threads))),
            inputs: inputs, code: code,
            params: settings.compactMap(\.value.parameter) + model.flatMap(\.parameters) + schedule.parameters,
            outputs: outputs, metrics: metrics.map { [$0] } ?? [], after: after)
        return stage
    }

    /// A stage that measures a trained checkpoint on a dataset (`lepton evaluate`) and writes
    /// a metrics file: loss, accuracy, macro precision/recall/F1, per-class scores and the
    /// confusion matrix (MSE/MAE/R² for regression).
    ///
    /// Each `require` entry is a quality gate on the metrics file (`METRIC OP NUMBER`, or
    /// `METRIC OP previous[ - N%]` against the last successful run); when one fails the stage
    /// fails and the build exits with status 3, naming the metric, threshold and value.
    ///
    /// ```swift
    /// .evaluate(
    ///     name: "evaluate",
    ///     checkpoint: "model/model.safetensors",
    ///     data: .idx(images: "data/test-images.gz", labels: "data/test-labels.gz"),
    ///     metrics: "metrics/test.json",
    ///     require: ["accuracy >= 0.85"]
    /// )
    /// ```
    public static func evaluate(
        name: String,
        checkpoint: String,
        data: TrainingData,
        metrics: String,
        require gates: [String] = [],
        threads: Int? = nil,
        after: [String] = []
    ) -> Stage {
        var arguments = [TrainerSubcommand.evaluate.rawValue, TrainerFlag.checkpoint.option, checkpoint]
        arguments += data.arguments + [TrainerFlag.metrics.option, metrics]
        for gate in gates where !(gate.contains(">") || gate.contains("<") || gate.contains("==")) {
            Dump.error("stage '\(name)': gate '\(gate)' needs a comparison, e.g. 'accuracy >= 0.9'")
        }
        // The gates are the stage's: Lepton checks them on the metrics file after the stage, so
        // a failed gate keeps the metrics in the cache and fails the build with exit status 3.
        return Stage.stage(
            name: name,
            command: Command(kind: .tool(arguments, settings: threadSettings(threads))),
            inputs: [.file(checkpoint), .file(sidecar(of: checkpoint))] + data.paths.map { .file($0) },
            metrics: [metrics], gates: gates, after: after)
    }

    /// `--threads N`, which changes speed only and so is not keyed.
    static func threadSettings(_ threads: Int?) -> [String] {
        threads.map { [TrainerFlag.threads.option, String($0)] } ?? []
    }

    /// `model.safetensors` → `model.json`.
    static func sidecar(of checkpoint: String) -> String {
        String(checkpoint.dropLast(".safetensors".count)) + ".json"
    }
}
