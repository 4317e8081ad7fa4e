import ArgumentParser
import LeptonCore
import LeptonLoading
import LeptonSystem
import LeptonTrainerCommands
import Testing
import _LeptonTestSupport

/// The flags `.train` and `.evaluate` stages write are the flags the trainer's commands read:
/// both come from one file (TrainerFlag.swift), and this test parses what the DSL produces with
/// the real commands, so a renamed flag or value fails here, not in every user's build.
struct TrainerContractTests {
    @Test func everyArgumentTheDSLWritesIsParsedByTheTrainer() throws {
        let package = TemporaryPackage("contract")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .train(name: "csv", data: .csv("a.csv", label: "y"), model: [.dense(4), .relu, .dropout(0.5), .dense(2)],
                       loss: .softmaxCrossEntropy, optimizer: .adam(learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0.1),
                       schedule: .step(every: 2, gamma: 0.5), epochs: 3, batchSize: 8, seed: 2, validationSplit: 0.2,
                       normalization: .scale(0.5), checkpoint: "m/a.safetensors", metrics: "m/a.json", history: "m/h.csv",
                       threads: 1),
                .train(name: "idx", data: .idx(images: "i.idx", labels: "l.idx"), model: [.conv2d(filters: 2, kernel: 3), .maxPool(2), .conv2d(filters: 2, kernel: 3, padding: .same), .maxPool(3, stride: 2), .avgPool(2), .avgPool(2, stride: 1), .batchNorm, .batchNorm(momentum: 0.01), .layerNorm, .globalAvgPool, .flatten, .dense(2)],
                       loss: .meanSquaredError, optimizer: .sgd(learningRate: 0.1, momentum: 0.5, weightDecay: 0.01),
                       schedule: .cosine, normalization: .standardize, checkpoint: "m/b.safetensors"),
                .train(name: "npy", data: .npy(features: "x.npy", labels: "y.npy"), model: [.dense(1), .sigmoid],
                       loss: .binaryCrossEntropy, normalization: .minmax, checkpoint: "m/c.safetensors"),
                .train(name: "stopping", data: .csv("a.csv", label: "y"), model: [.dense(2)],
                       optimizer: .adamw(learningRate: 0.002, weightDecay: 0.05),
                       schedule: .reduceOnPlateau(factor: 0.5, patience: 2, minimumRate: 1e-5), validationSplit: 0.2,
                       earlyStopping: EarlyStopping(monitor: "val_accuracy", patience: 4, minDelta: 0.001, restoreBest: false),
                       warmupEpochs: 2, clipNorm: 1.5, classWeights: .weights([1, 2.5]), checkpoint: "m/d.safetensors"),
                .train(name: "balanced", data: .csv("a.csv", label: "y", sampleWeight: "w"), model: [.dense(2)], classWeights: .balanced,
                       warmStart: "m/a.safetensors", checkpoint: "m/e.safetensors", state: "m/e-state.safetensors"),
                .evaluate(name: "evaluate", checkpoint: "m/a.safetensors", data: .csv("b.csv", label: "y"),
                          metrics: "m/test.json", require: ["accuracy >= 0.5"], threads: 2),
            ])
            """)
        let pipeline = try LeptonfileLoader(workspace: package.workspace).load().pipeline
        #expect(pipeline.stages.count == 6)
        for stage in pipeline.stages {
            guard case .tool = stage.command else {
                Issue.record("stage '\(stage.name)' is not a tool command")
                continue
            }
            let arguments = Array(stage.command.argv(tool: "lepton").dropFirst())
            #expect(CommandDescription.trainerSubcommands.contains(arguments.first ?? ""))
            do {
                _ = try LeptonTrainerCommand.parseAsRoot(arguments)
            } catch {
                Issue.record("stage '\(stage.name)': the trainer refuses \(arguments): \(error)")
            }
        }
    }

    @Test func everyDSLSourceFileIsEmbeddedInTheLoader() throws {
        // Tests/LeptonCommandsTests/ → the repository.
        let repository = RelativePath.parent(RelativePath.parent(RelativePath.parent(#filePath) ?? "") ?? "") ?? ""
        let files = try PosixFileSystem().list(repository + "/Sources/LeptonDescription").map(\.name).filter {
            $0.hasSuffix(".swift")
        }
        let embedded = try PosixFileSystem().list(repository + "/Sources/LeptonLoading/DescriptionSources").map(\.name)
        #expect(Set(files) == Set(embedded))
    }
}
