import Foundation
import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// `Examples/fashion-mnist` end to end (slow: `LEPTON_SLOW_TESTS=1`, with Debian's
/// dataset-fashion-mnist installed by `.ci/run`): the MLP 784-256-128-10 reaches at least 0.85
/// test accuracy after 3 epochs, the CNN with early stopping at least 0.90, and the quality
/// gates hold.
@Suite(.serialized, .enabled(if: slowTestsEnabled))
struct FashionMNISTExampleTests {
    @Test func theExampleReachesItsAccuracyAndASecondBuildDoesNothing() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Examples/fashion-mnist").path
        let package = TemporaryPackage("fashion-mnist")
        for file in ["Leptonfile", "params.yaml", "scripts/fetch.sh"] {
            package.write(file, try PosixFileSystem().readText(example + "/" + file))
        }
        let first = LeptonBinary.run(["build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        let metrics = try JSON.parse(PosixFileSystem().readText(package.root + "/metrics/test.json"))
        let accuracy = metrics["accuracy"]?.doubleValue ?? 0
        #expect(accuracy >= 0.85, "test accuracy \(accuracy)")
        #expect(metrics["confusion_matrix"]?.arrayValue?.count == 10)
        let cnn = try JSON.parse(PosixFileSystem().readText(package.root + "/metrics/cnn-test.json"))
        let cnnAccuracy = cnn["accuracy"]?.doubleValue ?? 0
        #expect(cnnAccuracy >= 0.90, "CNN test accuracy \(cnnAccuracy)")
        let stopping = try JSON.parse(PosixFileSystem().readText(package.root + "/metrics/cnn-train.json"))
        let best = stopping["best_epoch"]?.intValue ?? 0
        #expect(best >= 1 && best <= (stopping["stopped_epoch"]?.intValue ?? 0), "\(stopping)")
        #expect(stopping["epoch"]?.intValue == best, "the metrics are the kept epoch's")
        let second = LeptonBinary.run(["build"], in: package.root)
        #expect(second.output.contains("nothing to do"), "\(second.output)")
    }
}
