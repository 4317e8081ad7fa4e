import Foundation
import LeptonTrainer

/// A one-line live bar for `lepton train` on a terminal: epoch, completion, running loss,
/// throughput. Redrawn at most ten times a second; cleared before each epoch's summary line.
/// Not drawn when the output is a pipe (a stage's log, CI), where one line per epoch is printed.
final class ProgressBar {
    private let epochs: Int
    private let console = TrainerConsole()
    private var lastDraw = 0.0
    private var epochStart = 0.0
    private var currentEpoch = 0

    init(epochs: Int) { self.epochs = epochs }

    func update(_ progress: Trainer.BatchProgress) {
        let now = ProcessInfo.processInfo.systemUptime
        if progress.epoch != currentEpoch {
            currentEpoch = progress.epoch
            epochStart = now
        }
        guard now - lastDraw >= 0.1 || progress.samples == progress.total else { return }
        lastDraw = now
        let fraction = Double(progress.samples) / Double(max(progress.total, 1))
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = now - epochStart
        // The first batch ends the moment the epoch's clock starts: no rate until there is one.
        let rate = elapsed > 0.05 ? String(format: "  %.0f samples/s", Double(progress.samples) / elapsed) : ""
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        console.write(
            String(
                format: "\r\u{1B}[Kepoch %d/%d [%@] %3.0f%%  loss %.4f", progress.epoch, epochs, bar, fraction * 100,
                progress.loss) + rate)
    }

    /// Erases the bar so the next line starts clean.
    func clear() { console.write("\r\u{1B}[K") }
}
