import Foundation

/// Writes what training recorded: the per-epoch history (JSON or CSV, for plots) and the final
/// metrics. Neither holds times, so identical runs write identical files.
public enum TrainingHistory {
    /// Writes the history as a JSON array of epochs, or as CSV when `path` ends in `.csv`.
    ///
    /// - Throws: ``TrainerError`` when the file cannot be written.
    public static func write(_ history: [EpochReport], to path: String) throws(TrainerError) {
        let rows = history.map(\.json)
        if path.hasSuffix(".csv") {
            let columns = Array(Set(rows.flatMap(\.keys))).sorted {
                ($0 == "epoch" ? "" : $0) < ($1 == "epoch" ? "" : $1)
            }
            var text = columns.joined(separator: ",") + "\n"
            for row in rows {
                text += columns.map { row[$0].map { "\($0)" } ?? "" }.joined(separator: ",") + "\n"
            }
            try ModelCheckpoint.writeAtomically(Data(text.utf8), to: path)
            return
        }
        try ModelCheckpoint.writeJSON(rows, to: path)
    }

    /// Writes the metrics of the epoch the checkpoint holds (the last, or the best one early
    /// stopping restored) as a flat JSON object (`loss`, `accuracy`, `val_…`), with early
    /// stopping's `best_epoch`, `best_<monitor>` and `stopped_epoch`.
    public static func writeFinalMetrics(_ result: Trainer.Result, to path: String) throws(TrainerError) {
        var metrics = result.finalReport?.json ?? [:]
        if let stopping = result.stopping { metrics.merge(stopping.json) { _, new in new } }
        try ModelCheckpoint.writeJSON(metrics, to: path)
    }

    /// Writes an evaluation report as JSON.
    public static func write(_ report: MetricsReport, to path: String) throws(TrainerError) {
        try ModelCheckpoint.writeJSON(report.json, to: path)
    }
}
