/// A chart `lepton plots` draws from data files the pipeline writes (DVC's `plots:`): a JSON
/// array of objects (or an object holding one), a CSV or a TSV, or an image.
///
/// Declare plots for the whole pipeline (`Pipeline(plots:)`) or on the stage that writes their
/// files (`.plots(...)`, which also makes those files outputs of the stage).
///
/// ```swift
/// let pipeline = Pipeline(
///     stages: [...],
///     plots: [
///         // Two files overlaid, like dvc.yaml's `y: {file: field}`.
///         .plot("ROC", x: "fpr", y: ["eval/roc/train.json": "tpr", "eval/roc/test.json": "tpr"], template: .simple),
///         .plot("Confusion", x: "actual", y: ["eval/cm/test.json": "predicted"], template: .confusion),
///         // One file, one or more fields.
///         .plot("eval/loss.csv", x: "epoch", y: ["loss", "val_loss"]),
///         .image("eval/importance.png"),
///     ]
/// )
/// ```
public struct Plot: Sendable {
    /// How a plot is drawn; the names are DVC's templates.
    public enum Template: String, Sendable {
        /// Lines with a marker on every point (the default).
        case linear
        /// Lines only.
        case simple
        /// Points only.
        case scatter
        /// Lines smoothed by a moving average, the raw points faint behind them.
        case smooth
        /// A confusion matrix: counts of rows by (x = actual, y = predicted).
        case confusion
        /// A confusion matrix with each actual class's row summing to 1.
        case confusionNormalized = "confusion_normalized"
        /// Horizontal bars: y's value for each x category, in file order.
        case bar = "bar_horizontal"
        /// Horizontal bars, largest first.
        case barSorted = "bar_horizontal_sorted"
    }

    /// The y fields of a one-file plot: one name (`"loss"`) or several (`["loss", "val_loss"]`).
    public struct Fields: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, Sendable {
        let names: [String]

        public init(stringLiteral value: String) { names = [value] }
        public init(arrayLiteral elements: String...) { names = elements }
    }

    let title: String?
    let template: String
    let x: String?
    let sources: [(file: String, field: String?)]
    let xLabel: String?
    let yLabel: String?

    /// Plots fields of one file: `.plot("eval/loss.csv", x: "epoch", y: ["loss", "val_loss"])`.
    ///
    /// - Parameters:
    ///   - file: The data file, relative to the package root.
    ///   - x: The field along x; without one, the row number.
    ///   - y: The field or fields drawn; without one, the last field of the file's rows.
    ///   - template: How it is drawn (``Template``).
    ///   - title: The chart's title; the file's path without one.
    ///   - xLabel: The x axis label; `x` without one.
    ///   - yLabel: The y axis label; the y field without one.
    /// - Returns: The plot, for ``Pipeline/plots`` or ``Stage/plots(_:)``.
    public static func plot(
        _ file: String, x: String? = nil, y: Fields = [], template: Template = .linear, title: String? = nil,
        xLabel: String? = nil, yLabel: String? = nil
    ) -> Plot {
        let sources: [(file: String, field: String?)] =
            y.names.isEmpty ? [(file, nil)] : y.names.map { (file: file, field: $0) }
        return Plot(
            title: title, template: template.rawValue, x: x, sources: sources, xLabel: xLabel, yLabel: yLabel)
    }

    /// Plots one field from each of several files on one chart (train and test curves), like
    /// dvc.yaml's `y: {eval/train.json: tpr, eval/test.json: tpr}`.
    ///
    /// ```swift
    /// .plot("Precision-Recall", x: "recall", y: ["eval/prc/train.json": "precision", "eval/prc/test.json": "precision"])
    /// ```
    ///
    /// - Parameters:
    ///   - title: The chart's title.
    ///   - x: The field along x in every file; without one, the row number.
    ///   - y: File → the field drawn from it, in the order drawn.
    ///   - template: How it is drawn (``Template``).
    ///   - xLabel: The x axis label; `x` without one.
    ///   - yLabel: The y axis label; the y field without one.
    /// - Returns: The plot, for ``Pipeline/plots`` or ``Stage/plots(_:)``.
    public static func plot(
        _ title: String, x: String? = nil, y: KeyValuePairs<String, String>, template: Template = .linear,
        xLabel: String? = nil, yLabel: String? = nil
    ) -> Plot {
        if y.isEmpty { Dump.error("plot '\(title)' names no file; give y: [\"file.json\": \"field\"]") }
        return Plot(
            title: title, template: template.rawValue, x: x, sources: y.map { (file: $0.key, field: $0.value) },
            xLabel: xLabel, yLabel: yLabel)
    }

    /// An image a stage writes (PNG, JPEG, SVG, GIF, WebP), shown as it is:
    /// `.image("eval/importance.png")`.
    public static func image(_ path: String, title: String? = nil) -> Plot {
        Plot(title: title, template: "image", x: nil, sources: [(path, nil)], xLabel: nil, yLabel: nil)
    }
}

extension Stage {
    /// Declares charts of files this stage writes (see ``Plot``); their files become outputs of
    /// the stage when no output covers them. Returns the stage, so it chains after `.stage(...)`.
    ///
    /// ```swift
    /// .stage(name: "evaluate", command: "python3 evaluate.py", inputs: ["model.pkl"], outputs: [.folder("eval")])
    ///     .plots(.plot("eval/prc.json", x: "recall", y: "precision"), .image("eval/importance.png"))
    /// ```
    @discardableResult
    public func plots(_ plots: Plot...) -> Stage {
        self.plots += plots
        return self
    }
}
