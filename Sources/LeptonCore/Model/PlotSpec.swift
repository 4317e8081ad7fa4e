/// A chart the Leptonfile declares (`Pipeline(plots:)` or a stage's `.plots(...)`): which files,
/// which fields, drawn how. `lepton plots` draws it; `lepton plots diff` overlays revisions.
public struct PlotSpec: Sendable, Equatable {
    /// How it is drawn: DVC's template names, and `image` for a picture shown as it is.
    public enum Template: String, Sendable, CaseIterable {
        case linear, simple, scatter, smooth, confusion
        case confusionNormalized = "confusion_normalized"
        case bar = "bar_horizontal"
        case barSorted = "bar_horizontal_sorted"
        case image

        /// A confusion matrix (categorical x and y counted), not a curve.
        public var isConfusion: Bool { self == .confusion || self == .confusionNormalized }
        public var isBar: Bool { self == .bar || self == .barSorted }
    }

    /// One file and the field drawn from it (nil: the last field of its rows).
    public struct Source: Sendable, Equatable {
        public var file: String
        public var field: String?

        public init(file: String, field: String?) {
            self.file = file
            self.field = field
        }
    }

    /// The data files a chart reads: JSON (an array of objects, or an object holding one), CSV, TSV, YAML.
    public static let dataSuffixes = ["json", "csv", "tsv", "yaml", "yml"]
    /// The pictures `.image(...)` shows.
    public static let imageSuffixes = ["png", "jpg", "jpeg", "svg", "gif", "webp"]

    public var title: String?
    public var template: Template
    /// The field along x; nil: the row number (DVC's `step`).
    public var x: String?
    public var sources: [Source]
    public var xLabel: String?
    public var yLabel: String?
    /// The stage that declared it; nil for a pipeline-wide plot.
    public var stage: String?

    public init(
        title: String?, template: Template, x: String?, sources: [Source], xLabel: String? = nil,
        yLabel: String? = nil, stage: String? = nil
    ) {
        self.title = title
        self.template = template
        self.x = x
        self.sources = sources
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.stage = stage
    }

    /// The title, else the single file's path, else the files joined.
    public var name: String {
        if let title, !title.isEmpty { return title }
        return files.joined(separator: ", ")
    }

    /// The files it reads, each once, in order.
    public var files: [String] {
        sources.map(\.file).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }
}
