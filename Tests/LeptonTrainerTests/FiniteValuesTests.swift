import Foundation
import Testing

@testable import LeptonTrainer

/// The trainer never trains on, or writes a checkpoint from, values that are not finite.
struct FiniteValuesTests {
    @Test(arguments: ["nan", "inf", "-inf", "1e999", "NaN"])
    func nonFiniteCSVCellsNameFileLineAndColumn(cell: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.csv"
        try "x,y,label\n1,2,0\n3,\(cell),1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try DataSource.csv(path: path, label: "label").load()
        } throws: { error in
            (error as? TrainerError)?.message.hasPrefix("\(path):3: column 'y' holds '\(cell)'") == true
        }
    }

    @Test func aLossThatBecomesNonFiniteFailsTheRun() {
        // Targets far beyond Float's range make the squared error overflow.
        let data = Dataset(
            features: Tensor(shape: [4, 1], values: [1, 2, 3, 4]), targets: [3e38, -3e38, 3e38, -3e38])
        let configuration = TrainingConfiguration(
            layers: [.dense(units: 1)], loss: .meanSquaredError,
            optimizer: OptimizerConfiguration(kind: .sgd, learningRate: 10), epochs: 3, batchSize: 2, seed: 1)
        #expect {
            try Trainer(configuration, context: ComputeContext(threads: 1)).train(data)
        } throws: { error in
            (error as? TrainerError)?.message.contains("training diverged") == true
        }
    }
}
