/// Where a dataset comes from and how to read it.
public enum DataSource: Sendable, Equatable {
    /// A CSV file with a header; `label` names the target column, every other column is a
    /// feature (numeric, or categorical and one-hot encoded).
    /// `weight` names a column of per-row sample weights (not a feature).
    case csv(path: String, label: String, weight: String? = nil)
    /// An IDX image (or feature) file and an IDX label file, as MNIST ships them, gzip or not.
    case idx(features: String, labels: String)
    /// NumPy `.npy` arrays: features [n, …] and labels [n].
    case npy(features: String, labels: String)

    /// The files read, for stage inputs and messages.
    public var paths: [String] {
        switch self {
        case .csv(let path, _, _): return [path]
        case .idx(let features, let labels), .npy(let features, let labels):
            return [features, labels].filter { !$0.isEmpty }
        }
    }

    /// Whether the source has labels (an empty label column or file means it has none).
    public var hasLabels: Bool {
        switch self {
        case .csv(_, let label, _): return !label.isEmpty
        case .idx(_, let labels), .npy(_, let labels): return !labels.isEmpty
        }
    }

    /// Reads the dataset. `classNames`, a trained model's classes, makes named labels map to the
    /// same indices as in training; `numericLabels` keeps labels as numbers (regression).
    ///
    /// - Throws: ``TrainerError`` naming the file and, for CSV, the line.
    /// `categories`, a trained model's, makes a CSV's categorical columns encode as in training.
    public func load(
        classNames: [String] = [], numericLabels: Bool = false, categories: [Dataset.Category]? = nil
    ) throws(TrainerError) -> Dataset {
        switch self {
        case .csv(let path, let label, let weight):
            return try CSVReader(path: path, label: label, weight: weight).read(
                classNames: classNames, numericLabels: numericLabels, categories: categories)
        case .idx(let features, let labels):
            let x = try IDXReader.read(features)
            let y = labels.isEmpty ? Tensor(zeros: [x.rows]) : try IDXReader.read(labels)
            return try DataSource.pair(x, y, features, labels)
        case .npy(let features, let labels):
            let x = try NPYReader.read(features)
            let y = labels.isEmpty ? Tensor(zeros: [x.rows]) : try NPYReader.read(labels)
            return try DataSource.pair(x, y, features, labels)
        }
    }

    private static func pair(_ x: Tensor, _ y: Tensor, _ xPath: String, _ yPath: String) throws(TrainerError) -> Dataset
    {
        guard x.rows == y.count else {
            throw TrainerError("\(xPath) has \(x.rows) samples but \(yPath) has \(y.count) labels; they must match")
        }
        return Dataset(features: x, targets: y.values)
    }
}
