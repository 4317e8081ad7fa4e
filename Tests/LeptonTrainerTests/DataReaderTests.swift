import Foundation
import Testing

@testable import LeptonTrainer

struct DataReaderTests {
    @Test func readsIDXPlainAndGzip() throws {
        let data = try DataSource.idx(
            features: Fixtures.path("tiny-images.idx"), labels: Fixtures.path("tiny-labels.idx.gz")
        ).load()
        #expect(data.features.shape == [3, 2, 2])
        #expect(data.features.values == (0..<12).map(Float.init))
        #expect(data.targets == [2, 0, 1])
    }

    @Test func readsNPYFloat64AndInt64() throws {
        let data = try DataSource.npy(
            features: Fixtures.path("tiny-features.npy"), labels: Fixtures.path("tiny-labels.npy")
        ).load()
        #expect(data.features.shape == [3, 2])
        #expect(data.features.values == [0.5, 1.5, 2.5, -3, 4, 5])
        #expect(data.targets == [1, 0, 1])
    }

    @Test func readsGzippedCSVWithNumericLabels() throws {
        let digits = try Fixtures.digits()
        #expect(digits.count == 1797)
        #expect(digits.sampleShape == [64])
        #expect(digits.classCount == 10)
        #expect(digits.classNames.isEmpty)
    }

    @Test func namedLabelsAreIndexedInSortedOrderAndReusedForEvaluation() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/iris.csv"
        try "a,b,species\n1,2,virginica\n3,4,setosa\n5,6,virginica\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let data = try DataSource.csv(path: path, label: "species").load()
        #expect(data.classNames == ["setosa", "virginica"])
        #expect(data.targets == [1, 0, 1])
        let again = try DataSource.csv(path: path, label: "species").load(classNames: ["virginica", "setosa"])
        #expect(again.targets == [0, 1, 0])
    }

    @Test func categoricalColumnsAreOneHotAndAModelEncodesNewDataTheSameWay() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/people.csv"
        try "age,city,label\n30,paris,1\n40,oslo,0\n50,lima,1\n60,oslo,0\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let data = try DataSource.csv(path: path, label: "label").load()
        #expect(data.categories == [Dataset.Category(column: "city", values: ["lima", "oslo", "paris"])])
        #expect(data.sampleShape == [4])
        #expect(data.features.values == [30, 0, 0, 1, 40, 0, 1, 0, 50, 1, 0, 0, 60, 0, 1, 0])
        // New data with the trained categories: the same columns, an unseen city is all zeros.
        let newPath = directory + "/new.csv"
        try "age,city,label\n35,rome,1\n45,paris,0\n".write(toFile: newPath, atomically: true, encoding: .utf8)
        let again = try DataSource.csv(path: newPath, label: "label").load(categories: data.categories)
        #expect(again.features.values == [35, 0, 0, 0, 45, 0, 0, 1])
        // Through a checkpoint: trained, written, read back, predicting on the new file.
        let configuration = TrainingConfiguration(
            layers: try LayerSpec.parseList("dense(2)"), epochs: 1, normalization: .standardize)
        let result = try Trainer(configuration, context: ComputeContext(threads: 1)).train(data)
        try result.checkpoint.write(to: directory + "/model.safetensors")
        let loaded = try ModelCheckpoint.read(
            from: directory + "/model.safetensors", context: ComputeContext(threads: 1))
        #expect(loaded.categories == data.categories)
        #expect(try loaded.prepare(.csv(path: newPath, label: "label")).sampleShape == [4])
    }

    /// A sample-weight column weights each row's loss and is not a feature; zero-weight rows
    /// change nothing, a weight of 2 counts as the row twice.
    @Test func sampleWeightsWeightTheLossAndAreNotFeatures() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/w.csv"
        try "x,w,label\n1,1,0\n2,0,1\n3,2,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let data = try DataSource.csv(path: path, label: "label", weight: "w").load()
        #expect(data.sampleShape == [1] && data.weights == [1, 0, 2])
        let outputs = Tensor(shape: [3, 2], values: [1, 0, 0, 1, 2, 0])
        let weighted = LossFunction.softmaxCrossEntropy.evaluate(
            outputs: outputs, targets: data.targets[...], sampleWeights: data.weights)
        // The same as rows 0 and 2, twice, unweighted.
        let repeated = LossFunction.softmaxCrossEntropy.evaluate(
            outputs: Tensor(shape: [3, 2], values: [1, 0, 2, 0, 2, 0]), targets: [0, 1, 1][...])
        #expect(abs(weighted.loss - repeated.loss) < 1e-6)
        try "x,w,label\n1,-1,0\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TrainerError("\(path):2: the sample weight '-1' is not a non-negative number")) {
            try DataSource.csv(path: path, label: "label", weight: "w").load()
        }
    }

    @Test func badCSVNamesFileLineAndColumn() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.csv"
        try "x,y,label\n1,2,0\n3,oops,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TrainerError("\(path):3: column 'y' holds 'oops', which is not a number")) {
            try DataSource.csv(path: path, label: "label").load()
        }
        #expect(throws: TrainerError("\(path): no column 'target' in the header; columns are 'x', 'y', 'label'")) {
            try DataSource.csv(path: path, label: "target").load()
        }
    }

    @Test func truncatedIDXIsRejected() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/short.idx"
        try Data([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]).write(to: URL(fileURLWithPath: path))
        #expect(throws: TrainerError("\(path): holds 2 data bytes but its header announces 9")) {
            try IDXReader.read(path)
        }
    }

    @Test func normalizationIsFittedOnTrainingDataOnly() throws {
        var data = Dataset(
            features: Tensor(shape: [4, 2], values: [0, 10, 2, 10, 4, 30, 6, 30]), targets: [0, 1, 0, 1])
        let standardize = Normalization.fit(.standardize, factor: 1, to: data)
        #expect(standardize.offset == [3, 20])
        standardize.apply(to: &data)
        let values = data.features.values
        #expect(abs(values[0] + 1.3416) < 1e-3 && abs(values[1] + 1) < 1e-6)
        let minmax = Normalization.fit(
            .minmax, factor: 1, to: Dataset(features: Tensor(shape: [2, 1], values: [2, 6]), targets: [0, 0]))
        #expect(minmax.offset == [2] && minmax.scale == [0.25])
    }
}
