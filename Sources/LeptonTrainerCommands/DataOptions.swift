import ArgumentParser
import LeptonTrainer

/// Where `lepton train`, `evaluate` and `predict` read samples from: one of CSV, IDX or NPY.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong(TrainerFlag.csv.rawValue), help: "A CSV file with a header row (gzip allowed).")
    var csv: String?

    @Option(
        name: .customLong(TrainerFlag.label.rawValue),
        help: "The CSV column holding the label; every other column is a numeric feature.")
    var label: String?
    @Option(
        name: .customLong(TrainerFlag.sampleWeight.rawValue),
        help:
            "The CSV column of per-row sample weights: weights the training loss, and is never a feature (give evaluate and predict the same flag)."
    )
    var sampleWeight: String?

    @Option(
        name: .customLong(TrainerFlag.idxImages.rawValue),
        help: "An IDX file of samples, e.g. MNIST's train-images-idx3-ubyte.gz.")
    var idxImages: String?

    @Option(name: .customLong(TrainerFlag.idxLabels.rawValue), help: "The IDX file of labels matching --idx-images.")
    var idxLabels: String?

    @Option(name: .customLong(TrainerFlag.npyFeatures.rawValue), help: "A NumPy .npy array of samples [n, …].")
    var npyFeatures: String?

    @Option(name: .customLong(TrainerFlag.npyLabels.rawValue), help: "A NumPy .npy array of labels [n].")
    var npyLabels: String?

    func validate() throws {
        let chosen = [csv != nil, idxImages != nil, npyFeatures != nil].filter { $0 }.count
        guard chosen == 1 else {
            throw ValidationError("Give exactly one data source: --csv FILE, --idx-images FILE or --npy-features FILE.")
        }
    }

    /// The data source; labels are required unless `labelsOptional` (prediction).
    func source(labelsOptional: Bool = false) throws -> DataSource {
        if let csv {
            guard let label = label ?? (labelsOptional ? "" : nil) else {
                throw ValidationError("--csv needs --label COLUMN naming the label column.")
            }
            return .csv(path: csv, label: label, weight: sampleWeight)
        }
        if let idxImages {
            guard let labels = idxLabels ?? (labelsOptional ? "" : nil) else {
                throw ValidationError("--idx-images needs --idx-labels FILE.")
            }
            return .idx(features: idxImages, labels: labels)
        }
        guard let npyFeatures, let labels = npyLabels ?? (labelsOptional ? "" : nil) else {
            throw ValidationError("--npy-features needs --npy-labels FILE.")
        }
        return .npy(features: npyFeatures, labels: labels)
    }
}
