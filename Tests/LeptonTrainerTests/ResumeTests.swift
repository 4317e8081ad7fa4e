import Foundation
import Testing

@testable import LeptonTrainer

/// Resuming from a saved training state, and warm starts.
struct ResumeTests {
    private func configuration(epochs: Int) throws -> TrainingConfiguration {
        TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(32),batchnorm,relu,dropout(0.3),dense(10)"),
            optimizer: OptimizerConfiguration(kind: .adamw, learningRate: 0.01, weightDecay: 0.01), epochs: epochs,
            batchSize: 32, seed: 9, validationSplit: 0.2, normalization: .standardize, threads: 2,
            earlyStopping: EarlyStopping(monitor: "val_accuracy", patience: 50),
            plateau: PlateauReduction(monitor: "val_accuracy", factor: 0.5, patience: 1), warmupEpochs: 2)
    }

    private func everything(_ result: Trainer.Result) throws -> [UInt8] {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try result.checkpoint.write(to: directory + "/model.safetensors")
        try TrainingHistory.write(result.history, to: directory + "/history.json")
        try TrainingHistory.writeFinalMetrics(result, to: directory + "/metrics.json")
        return try ["/model.safetensors", "/model.json", "/history.json", "/metrics.json"].flatMap {
            try Array(Data(contentsOf: URL(fileURLWithPath: directory + $0)))
        }
    }

    /// Three epochs, saved, read back and resumed to seven give the same checkpoint (weights,
    /// running statistics, num_batches_tracked), history and metrics as seven at once, with
    /// dropout, AdamW, warm-up, reduce-on-plateau and early stopping's best weights in play.
    @Test func resumingFromASavedStateIsByteIdenticalToOneUninterruptedRun() throws {
        let digits = try Fixtures.digits()
        let straight = try Trainer(try configuration(epochs: 7), context: ComputeContext(threads: 2)).train(digits)
        let first = try Trainer(try configuration(epochs: 3), context: ComputeContext(threads: 1)).train(digits)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/state.safetensors"
        try first.state.write(to: path)
        let state = try TrainingState.read(from: path)
        #expect(state.epochs == 3)
        let resumed = try Trainer(try configuration(epochs: 7), context: ComputeContext(threads: 2))
            .train(digits, resume: state)
        #expect(resumed.history.count == 7)
        #expect(
            resumed.checkpoint.model.parameters.map(\.value.values)
                == straight.checkpoint.model.parameters.map(\.value.values))
        #expect(
            resumed.checkpoint.model.buffers.map(\.value.values)
                == straight.checkpoint.model.buffers.map(\.value.values))
        #expect(resumed.checkpoint.model.counters == straight.checkpoint.model.counters)
        #expect(try everything(resumed) == everything(straight))
        #expect(resumed.stopping == straight.stopping)
        // The state of a resumed run resumes too.
        #expect(resumed.state.epochs == 7)
    }

    @Test func aStateFromOtherSettingsIsRefusedAndAWarmStartStartsFromTheWeights() throws {
        let digits = try Fixtures.digits()
        let first = try Trainer(try configuration(epochs: 2), context: ComputeContext(threads: 1)).train(digits)
        var other = try configuration(epochs: 4)
        other.batchSize = 64
        #expect {
            try Trainer(other, context: ComputeContext(threads: 1)).train(digits, resume: first.state)
        } throws: { error in
            (error as? TrainerError)?.message.contains("other settings") == true
        }
        // A warm start continues from the trained weights: its first epoch beats a fresh start's.
        let fresh = try Trainer(try configuration(epochs: 1), context: ComputeContext(threads: 1)).train(digits)
        let warm = try Trainer(try configuration(epochs: 1), context: ComputeContext(threads: 1))
            .train(digits, warmStart: first.checkpoint)
        #expect((warm.history.first?.loss ?? 9) < (fresh.history.first?.loss ?? 0))
        let mismatched = TrainingConfiguration(layers: try LayerSpec.parseList("dense(10)"), epochs: 1)
        #expect(throws: TrainerError.self) {
            try Trainer(mismatched, context: ComputeContext(threads: 1)).train(digits, warmStart: first.checkpoint)
        }
    }
}
