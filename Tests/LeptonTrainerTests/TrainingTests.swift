import Foundation
import Testing

@testable import LeptonTrainer

/// Training on real data (the UCI digits) reaches known accuracies, and is bit-identical for
/// a seed whatever the thread count.
struct TrainingTests {
    static func split(_ data: Dataset) -> (Dataset, Dataset) {
        let (train, test) = data.split(validationFraction: 0.25, seed: 99)
        return (train, test ?? data)
    }

    static func testAccuracy(_ result: Trainer.Result, _ test: Dataset) -> Double {
        var held = test
        result.checkpoint.normalization.apply(to: &held)
        let report = Evaluator.evaluate(
            result.checkpoint.model, on: held, loss: result.checkpoint.loss, classNames: result.checkpoint.classNames)
        return report.accuracy ?? 0
    }

    @Test func multilayerPerceptronLearnsDigits() throws {
        let (train, test) = TrainingTests.split(try Fixtures.digits())
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(64),relu,dense(10)"), epochs: 12, batchSize: 32, seed: 1,
            validationSplit: 0.1, normalization: .scale, normalizationFactor: 1.0 / 16)
        var reports: [EpochReport] = []
        let result = try Trainer(configuration, context: ComputeContext(threads: 2)).train(train) { reports.append($0) }
        #expect(reports.count == 12)
        #expect(reports[11].loss < reports[0].loss / 3)
        #expect((reports[11].validation?.accuracy ?? 0) > 0.9)
        #expect(TrainingTests.testAccuracy(result, test) > 0.93)
    }

    @Test func convolutionalNetworkLearnsDigitImages() throws {
        let digits = try Fixtures.digits()
        let images = Dataset(features: digits.features.reshaped([digits.count, 1, 8, 8]), targets: digits.targets)
        let (train, test) = TrainingTests.split(images)
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("conv2d(8,3,padding=1),relu,maxpool(2),flatten,dense(10)"),
            optimizer: OptimizerConfiguration(kind: .adam, learningRate: 0.005), epochs: 8, batchSize: 32, seed: 2,
            normalization: .scale, normalizationFactor: 1.0 / 16)
        let result = try Trainer(configuration, context: ComputeContext(threads: 2)).train(train)
        #expect(result.checkpoint.model.parameters.map(\.name) == ["0.weight", "0.bias", "4.weight", "4.bias"])
        #expect(result.checkpoint.model.parameters[0].value.shape == [8, 1, 3, 3])
        #expect(TrainingTests.testAccuracy(result, test) > 0.93)
    }

    @Test func sgdWithMomentumAndBinaryCrossEntropyLearnsZeroVersusRest() throws {
        let digits = try Fixtures.digits()
        let binary = Dataset(features: digits.features, targets: digits.targets.map { $0 == 0 ? 1 : 0 })
        let (train, test) = TrainingTests.split(binary)
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(16),tanh,dense(1)"), loss: .binaryCrossEntropy,
            optimizer: OptimizerConfiguration(kind: .sgd, learningRate: 0.05, momentum: 0.9, schedule: .cosine),
            epochs: 8,
            batchSize: 16, seed: 3, normalization: .standardize)
        let result = try Trainer(configuration, context: ComputeContext(threads: 1)).train(train)
        #expect(TrainingTests.testAccuracy(result, test) > 0.97)
    }

    @Test func meanSquaredErrorFitsALinearTarget() throws {
        var random = RandomGenerator(seed: 5)
        let features = (0..<1000).map { _ in random.nextFloat(bound: 2) }
        let targets = stride(from: 0, to: 1000, by: 2).map { 2 * features[$0] - 3 * features[$0 + 1] + 0.5 }
        let data = Dataset(features: Tensor(shape: [500, 2], values: features), targets: targets)
        let configuration = TrainingConfiguration(
            layers: [.dense(units: 1)], loss: .meanSquaredError,
            optimizer: OptimizerConfiguration(kind: .adam, learningRate: 0.05, schedule: .step(every: 20, gamma: 0.5)),
            epochs: 60, batchSize: 25, seed: 4)
        let result = try Trainer(configuration, context: ComputeContext(threads: 1)).train(data)
        let report = Evaluator.evaluate(result.checkpoint.model, on: data, loss: .meanSquaredError, classNames: [])
        #expect((report.r2 ?? 0) > 0.999)
        let weights = result.checkpoint.model.parameters[0].value.values
        #expect(abs(weights[0] - 2) < 0.02 && abs(weights[1] + 3) < 0.02)
    }

    /// Same data, configuration and seed: the same bytes, for 1, 2 and 3 threads, with dropout
    /// and layers wide enough that the GEMMs really split.
    @Test func checkpointsAreBitIdenticalWhateverTheThreadCount() throws {
        let digits = try Fixtures.digits()
        var checkpoints: [[UInt8]] = []
        for threads in [1, 2, 3, 2] {
            let configuration = TrainingConfiguration(
                layers: try LayerSpec.parseList("dense(256),relu,dropout(0.2),dense(128),relu,dense(10)"), epochs: 2,
                batchSize: 64, seed: 7, validationSplit: 0.2, normalization: .standardize, threads: threads)
            let result = try Trainer(configuration, context: ComputeContext(threads: threads)).train(digits)
            let directory = try Fixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try result.checkpoint.write(to: directory + "/model.safetensors")
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/model.safetensors")))
            let sidecar = try Array(Data(contentsOf: URL(fileURLWithPath: directory + "/model.json")))
            checkpoints.append(bytes + sidecar)
        }
        #expect(checkpoints.allSatisfy { $0 == checkpoints[0] })
    }

    /// A CNN's samples are split between threads and its weight gradient summed in fixed chunks:
    /// the same bytes for 1, 2 and 3 threads, and ReLU-then-pooling (run as pooling-then-ReLU)
    /// gives exactly what pooling-then-ReLU written so gives.
    @Test func convolutionCheckpointsAreBitIdenticalWhateverTheThreadCountAndTheReLUPoolingOrder() throws {
        let digits = try Fixtures.digits()
        let images = Dataset(features: digits.features.reshaped([digits.count, 1, 8, 8]), targets: digits.targets)
        func train(_ layers: String, threads: Int, keptPatchFloats: Int = 1 << 20) throws -> [Float] {
            let configuration = TrainingConfiguration(
                layers: try LayerSpec.parseList(layers), epochs: 1, batchSize: 50, seed: 4,
                normalization: .scale, normalizationFactor: 1.0 / 16, threads: threads)
            let context = ComputeContext(threads: threads, keptPatchFloats: keptPatchFloats)
            let result = try Trainer(configuration, context: context).train(images)
            return result.checkpoint.model.parameters.flatMap(\.value.values)
        }
        let reference = try train(
            "conv2d(20,3,padding=1),relu,maxpool(2),conv2d(8,3,stride=2),flatten,dense(10)", threads: 1)
        for threads in [2, 3] {
            let other = try train(
                "conv2d(20,3,padding=1),relu,maxpool(2),conv2d(8,3,stride=2),flatten,dense(10)", threads: threads)
            #expect(other.map(\.bitPattern) == reference.map(\.bitPattern), "\(threads) threads")
        }
        let pooledFirst = try train(
            "conv2d(20,3,padding=1),maxpool(2),relu,conv2d(8,3,stride=2),flatten,dense(10)", threads: 2)
        #expect(pooledFirst.map(\.bitPattern) == reference.map(\.bitPattern))
        // Patch matrices rebuilt in the backward pass instead of kept give the same bytes.
        for threads in [1, 2] {
            let rebuilt = try train(
                "conv2d(20,3,padding=1),relu,maxpool(2),conv2d(8,3,stride=2),flatten,dense(10)", threads: threads,
                keptPatchFloats: 0)
            #expect(rebuilt.map(\.bitPattern) == reference.map(\.bitPattern), "rebuilt, \(threads) threads")
        }
    }

    @Test func checkpointRoundTripsThroughTheSidecar() throws {
        let digits = try Fixtures.digits()
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(32),relu,dense(10),softmax"), epochs: 2, seed: 9,
            normalization: .minmax)
        let result = try Trainer(configuration, context: ComputeContext(threads: 1)).train(digits)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try result.checkpoint.write(to: directory + "/m.safetensors")
        let loaded = try ModelCheckpoint.read(from: directory + "/m.safetensors", context: ComputeContext(threads: 1))
        #expect(loaded.model.specs == result.checkpoint.model.specs)
        #expect(loaded.normalization == result.checkpoint.normalization)
        #expect(loaded.classNames == (0..<10).map(String.init))
        var data = digits
        loaded.normalization.apply(to: &data)
        let before = Evaluator.predictions(result.checkpoint.model, on: data, loss: .softmaxCrossEntropy).outputs.values
        let after = Evaluator.predictions(loaded.model, on: data, loss: .softmaxCrossEntropy).outputs.values
        #expect(before == after)
    }

    @Test func mismatchedModelAndDataAreExplained() throws {
        let digits = try Fixtures.digits()
        let configuration = TrainingConfiguration(layers: [.dense(units: 4)], epochs: 1)
        #expect(
            throws: TrainerError(
                "the data has 10 classes but the model's last layer gives 4 outputs; end the model with dense(10)")
        ) {
            try Trainer(configuration, context: ComputeContext(threads: 1)).train(digits)
        }
        #expect(throws: TrainerError.self) {
            _ = try Model(
                specs: LayerSpec.parseList("dense(4),conv2d(3,3)"), inputShape: [64], seed: 0,
                context: ComputeContext(threads: 1))
        }
        #expect(throws: TrainerError.self) { try LayerSpec.parse("dense(-1)") }
        #expect(throws: TrainerError.self) { try LayerSpec.parse("lstm(4)") }
        #expect(throws: TrainerError.self) { try LayerSpec.parse("conv2d(8,4,padding=same)") }
    }

    @Test func aDenseStackExpandsToADenseLayerAndActivationPerWidth() throws {
        #expect(
            try LayerSpec.parseList("densestack([128, 64],relu),dense(10)") == [
                .dense(units: 128), .relu, .dense(units: 64), .relu, .dense(units: 10),
            ])
        #expect(try LayerSpec.parseList("densestack([8],tanh)") == [.dense(units: 8), .tanh])
        #expect(throws: TrainerError.self) { try LayerSpec.parseList("densestack(8,relu)") }
        #expect(throws: TrainerError.self) { try LayerSpec.parseList("densestack([0],relu)") }
    }

    @Test func poolingAndSamePaddingParseAndShapeAsKerasAndPyTorchDo() throws {
        #expect(
            try LayerSpec.parse("conv2d(8,5,padding=same)") == .conv2d(filters: 8, kernel: 5, stride: 1, padding: 2))
        #expect(try LayerSpec.parse("maxpool(3,stride=2)") == .maxPool(size: 3, stride: 2))
        #expect(try LayerSpec.parse("maxpool(2)") == .maxPool(size: 2, stride: 2), "old sidecars still read")
        for text in ["avgpool(2)", "avgpool(3,stride=1)", "maxpool(3,stride=2)", "globalavgpool"] {
            #expect(try LayerSpec.parse(text).text == text)
        }
        let model = try Model(
            specs: LayerSpec.parseList(
                "conv2d(4,3,padding=same),maxpool(3,stride=2),avgpool(2,stride=1),conv2d(6,2),globalavgpool,dense(3)"),
            inputShape: [1, 11, 11], seed: 0, context: ComputeContext(threads: 1))
        // 11 → same 11 → (11-3)/2+1 = 5 → 4 → conv 2x2: 3 → [6] → [3]
        #expect(model.layerShapes == [[4, 11, 11], [4, 5, 5], [4, 4, 4], [6, 3, 3], [6], [3]])
    }
}
