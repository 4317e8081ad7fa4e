import ArgumentParser
import Foundation
import LeptonTrainer

/// What `lepton train`, `evaluate` and `predict` share: thread defaults, progress lines and
/// turning trainer errors into messages and exit codes.
enum TrainerRun {
    /// The exit status of a failed quality gate (`lepton evaluate --require`).
    static let gateFailed = ExitCode(3)

    /// `$LEPTON_TRAIN_THREADS`, else every core.
    static var defaultThreads: Int {
        if let text = ProcessInfo.processInfo.environment["LEPTON_TRAIN_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs `body`, printing a ``TrainerError`` as `error: …` and exiting with status 1.
    static func reportingErrors(_ console: TrainerConsole, _ body: () throws(TrainerError) -> Void) throws {
        do {
            try body()
        } catch {
            console.error("error: \(error.message)")
            throw ExitCode.failure
        }
    }

    /// One progress line per epoch: loss, accuracy, validation metrics, time and throughput.
    static func describe(_ report: EpochReport, epochs: Int) -> String {
        var parts = ["epoch \(report.epoch)/\(epochs)", "loss \(format(report.loss))"]
        if let accuracy = report.accuracy { parts.append("accuracy \(format(accuracy))") }
        if let validation = report.validation {
            parts.append("val_loss \(format(validation.loss))")
            if let accuracy = validation.accuracy { parts.append("val_accuracy \(format(accuracy))") }
            if let r2 = validation.r2 { parts.append("val_r2 \(format(r2))") }
        }
        if report.learningRate != 0 { parts.append("lr \(format(report.learningRate))") }
        parts.append(String(format: "%.1f s", report.seconds))
        parts.append("\(Int(report.samplesPerSecond.rounded())) samples/s")
        return parts.joined(separator: "  ")
    }

    /// How this binary was built, for the first line of `lepton train`: an unoptimised (debug)
    /// build runs the trainer's Swift code about 2x slower.
    static var buildKind: String {
        #if DEBUG
            return "unoptimized debug build"
        #else
            return "optimized build"
        #endif
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
