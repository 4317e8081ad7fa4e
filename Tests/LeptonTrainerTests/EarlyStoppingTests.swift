import Foundation
import Testing

@testable import LeptonTrainer

/// Early stopping, reduce-on-plateau, warm-up, gradient clipping and AdamW.
struct EarlyStoppingTests {
    private func configuration(
        epochs: Int = 40, stopping: EarlyStopping? = nil, plateau: PlateauReduction? = nil, warmup: Int = 0,
        clip: Double? = nil, optimizer: OptimizerConfiguration = OptimizerConfiguration(kind: .adam, learningRate: 0.02)
    ) throws -> TrainingConfiguration {
        TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(64),relu,dense(10)"), optimizer: optimizer, epochs: epochs,
            batchSize: 32, seed: 5, validationSplit: 0.3, normalization: .standardize, threads: 2,
            earlyStopping: stopping, plateau: plateau, warmupEpochs: warmup, clipNorm: clip)
    }

    @Test func stopsAfterPatienceEpochsWithoutImprovementAndKeepsTheBestEpochsWeights() throws {
        let digits = try Fixtures.digits()
        let stopping = EarlyStopping(monitor: "val_loss", patience: 2)
        let result = try Trainer(try configuration(stopping: stopping), context: ComputeContext(threads: 2))
            .train(digits)
        let report = try #require(result.stopping)
        let losses = result.history.compactMap { $0.validation?.loss }
        // The best epoch is the one with the lowest val_loss; the run stopped `patience` after it.
        let best = try #require(losses.indices.min { losses[$0] < losses[$1] })
        #expect(report.bestEpoch == best + 1 && report.bestValue == losses[best])
        #expect(report.stoppedEpoch == report.bestEpoch + 2 && report.stoppedEpoch < 40, "\(losses)")
        #expect(result.history.count == report.stoppedEpoch)
        // The checkpoint is the best epoch's model: training only that many epochs gives it exactly.
        let replay = try Trainer(try configuration(epochs: report.bestEpoch), context: ComputeContext(threads: 1))
            .train(digits)
        #expect(
            result.checkpoint.model.parameters.map(\.value.values)
                == replay.checkpoint.model.parameters.map(\.value.values))
        #expect(result.finalReport?.epoch == report.bestEpoch)
        // Without restoring, the last epoch's weights stay.
        let kept = try Trainer(
            try configuration(stopping: EarlyStopping(monitor: "val_loss", patience: 2, restoreBest: false)),
            context: ComputeContext(threads: 2)
        ).train(digits)
        #expect(kept.finalReport?.epoch == kept.history.last?.epoch)
    }

    @Test func accuracyIsMaximisedAndAMissingValidationSetIsExplained() throws {
        #expect(EarlyStopping.maximizes("val_accuracy") && EarlyStopping.maximizes("val_f1"))
        #expect(!EarlyStopping.maximizes("val_loss") && !EarlyStopping.maximizes("mse"))
        #expect(EarlyStopping.improves(0.91, on: 0.9, monitor: "val_accuracy", minDelta: 0.005))
        #expect(!EarlyStopping.improves(0.903, on: 0.9, monitor: "val_accuracy", minDelta: 0.005))
        var noValidation = try configuration(stopping: EarlyStopping())
        noValidation.validationSplit = 0
        #expect {
            try Trainer(noValidation, context: ComputeContext(threads: 1)).train(try Fixtures.digits())
        } throws: { error in
            (error as? TrainerError)?.message.contains("no validation data") == true
        }
    }

    @Test func warmUpRaisesTheRateAndPlateausLowerIt() throws {
        let digits = try Fixtures.digits()
        let warm = try Trainer(try configuration(epochs: 4, warmup: 4), context: ComputeContext(threads: 1))
            .train(digits)
        #expect(warm.history.map(\.learningRate) == [0.005, 0.01, 0.015, 0.02])
        let plateau = PlateauReduction(monitor: "loss", factor: 0.5, patience: 1, minDelta: 10, minimumRate: 0.004)
        let lowered = try Trainer(try configuration(epochs: 5, plateau: plateau), context: ComputeContext(threads: 1))
            .train(digits)
        // A min delta of 10 means no epoch after the first improves: the rate halves after every
        // later epoch, down to the floor.
        #expect(lowered.history.map(\.learningRate) == [0.02, 0.02, 0.01, 0.005, 0.004])
    }

    @Test func clippingBoundsTheGlobalGradientNorm() throws {
        let parameters = [
            Parameter(name: "a", value: Tensor(shape: [2], values: [0, 0])),
            Parameter(name: "b", value: Tensor(shape: [1], values: [0])),
        ]
        parameters[0].gradient = Tensor(shape: [2], values: [3, 4])
        parameters[1].gradient = Tensor(shape: [1], values: [12])
        Trainer.clip(parameters, to: 6.5)  // the norm is 13
        let clipped = parameters.flatMap(\.gradient.values).map(Double.init)
        let norm = clipped.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(abs(norm - 6.5) < 1e-5 && abs(clipped[0] / clipped[1] - 0.75) < 1e-6)
        Trainer.clip(parameters, to: 100)
        #expect(parameters.flatMap(\.gradient.values).map(Double.init) == clipped, "below the limit: unchanged")
    }

    /// AdamW decays the weights by rate·λ before the Adam step (PyTorch's order); Adam adds λ·w
    /// to the gradient instead. Checked against the formulas for one step.
    @Test func adamWDecouplesTheWeightDecayFromTheGradient() throws {
        let rate = 0.1
        let decay = 0.5
        for kind in [OptimizerConfiguration.Kind.adam, .adamw] {
            let parameter = Parameter(name: "w", value: Tensor(shape: [2], values: [1, -2]))
            parameter.gradient = Tensor(shape: [2], values: [0.5, 0.25])
            let optimizer = Optimizer(
                OptimizerConfiguration(kind: kind, learningRate: rate, weightDecay: decay), parameters: [parameter],
                context: ComputeContext(threads: 1))
            optimizer.step([parameter], rate: rate)
            let values = parameter.value.values.map(Double.init)
            for (index, (w, g)) in zip([1.0, -2.0], [0.5, 0.25]).enumerated() {
                // After one bias-corrected step, Adam moves each weight by rate·sign(gradient) (ε aside).
                let expected =
                    kind == .adamw
                    ? w * (1 - rate * decay) - rate * (g > 0 ? 1 : -1)
                    : w - rate * ((g + decay * w) > 0 ? 1 : -1)
                #expect(abs(values[index] - expected) < 1e-5, "\(kind) [\(index)]: \(values[index]) vs \(expected)")
            }
        }
    }

    /// Class weights: a weighted mean of the samples' losses, its gradient shares the weights,
    /// and no weights is exactly the unweighted loss.
    @Test func classWeightsWeightEachSamplesLossAndTheBalancedWeightsFollowTheCounts() {
        let outputs = Tensor(shape: [3, 2], values: [2, 0, 0, 1, 1, 1])
        let targets: [Float] = [0, 1, 1]
        let plain = LossFunction.softmaxCrossEntropy.evaluate(outputs: outputs, targets: targets[...])
        let ones = LossFunction.softmaxCrossEntropy.evaluate(
            outputs: outputs, targets: targets[...], classWeights: [1, 1])
        #expect(abs(plain.loss - ones.loss) < 1e-6)
        let weighted = LossFunction.softmaxCrossEntropy.evaluate(
            outputs: outputs, targets: targets[...], classWeights: [3, 1])
        // Per-sample losses: -log softmax at the label.
        func ce(_ a: Double, _ b: Double, _ label: Int) -> Double {
            let logSum = log(exp(a) + exp(b))
            return logSum - (label == 0 ? a : b)
        }
        let expected = (3 * ce(2, 0, 0) + ce(0, 1, 1) + ce(1, 1, 1)) / 5
        #expect(abs(weighted.loss - expected) < 1e-6)
        // The gradient of sample 0 carries 3/5 of the weight.
        let p0 = exp(2.0) / (exp(2.0) + 1)
        #expect(abs(Double(weighted.gradient.values[0]) - (p0 - 1) * 0.6) < 1e-6)
        #expect(ClassWeights.balanced.weights(classes: 3, targets: [0, 0, 0, 1, 2, 2]) == [2.0 / 3, 2, 1])
    }
}
