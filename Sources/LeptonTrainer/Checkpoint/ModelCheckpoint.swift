import Foundation

/// A trained model on disk: its tensors in a safetensors file and, beside it, a JSON sidecar with
/// the architecture, input shape, classes, normalisation and training configuration.
///
/// `model.safetensors` gets the sidecar `model.json`. Both are written to a temporary file and
/// renamed, and hold nothing that varies between identical runs (no times, no host names), so
/// retraining on the same inputs gives byte-identical files and downstream stages are cut off.
public struct ModelCheckpoint {
    public var model: Model
    public var normalization: Normalization
    /// Class names in index order (classification), empty for regression.
    public var classNames: [String]
    /// The CSV columns the model reads as categories (one-hot), with their values.
    public var categories: [Dataset.Category] = []
    public var loss: LossFunction
    /// The recorded training configuration and data, or empty when unknown.
    public var training: [String: Any]

    public init(
        model: Model, normalization: Normalization, classNames: [String], loss: LossFunction,
        training: [String: Any], categories: [Dataset.Category] = []
    ) {
        self.categories = categories
        self.model = model
        self.normalization = normalization
        self.classNames = classNames
        self.loss = loss
        self.training = training
    }

    /// The sidecar path of a checkpoint: the same name with the extension `.json`.
    public static func sidecarPath(for path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path + ".json" }
        return String(path.dropLast(name.distance(from: dot, to: name.endIndex))) + ".json"
    }

    /// Writes the tensors to `path` and the sidecar beside it.
    ///
    /// - Throws: ``TrainerError`` when a file cannot be written.
    public func write(to path: String) throws(TrainerError) {
        var tensors: [String: Tensor] = [:]
        for parameter in model.savedParameters { tensors[parameter.name] = parameter.value }
        let bytes = SafeTensors.encode(
            tensors, integers: model.counters, metadata: ["format": "pt", "producer": "lepton"])
        try ModelCheckpoint.writeAtomically(Data(bytes), to: path)
        let sidecar: [String: Any] = [
            "format": "lepton-model", "version": 1,
            "tensors": URL(fileURLWithPath: path).lastPathComponent,
            "input_shape": model.inputShape, "layers": model.specs.map(\.text), "output_shape": model.outputShape,
            "task": loss.isClassification ? "classification" : "regression", "loss": loss.rawValue,
            "classes": classNames,
            "categories": categories.map { ["column": $0.column, "values": $0.values] },
            "normalization": [
                "kind": normalization.kind.rawValue, "offset": normalization.offset.map(Double.init),
                "scale": normalization.scale.map(Double.init),
            ],
            "training": training,
        ]
        try ModelCheckpoint.writeJSON(sidecar, to: ModelCheckpoint.sidecarPath(for: path))
    }

    /// Reads a checkpoint and its sidecar back.
    ///
    /// - Throws: ``TrainerError`` naming the file when either is missing, malformed or the tensors
    ///   do not match the architecture.
    public static func read(from path: String, context: ComputeContext) throws(TrainerError) -> ModelCheckpoint {
        let sidecarPath = sidecarPath(for: path)
        guard let data = FileManager.default.contents(atPath: sidecarPath) else {
            throw TrainerError(
                "cannot read the model sidecar '\(sidecarPath)' next to '\(path)'; train the model with 'lepton train' first"
            )
        }
        guard let sidecar = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            sidecar["format"] as? String == "lepton-model", let layers = sidecar["layers"] as? [String],
            let inputShape = sidecar["input_shape"] as? [Int], let lossName = sidecar["loss"] as? String,
            let loss = LossFunction(rawValue: lossName),
            let normalizationObject = sidecar["normalization"] as? [String: Any],
            let kindName = normalizationObject["kind"] as? String, let kind = Normalization.Kind(rawValue: kindName),
            let offset = normalizationObject["offset"] as? [Double],
            let scale = normalizationObject["scale"] as? [Double]
        else {
            throw TrainerError("'\(sidecarPath)' is not a Lepton model sidecar (format lepton-model, version 1)")
        }
        var specs: [LayerSpec] = []
        for layer in layers { specs.append(try LayerSpec.parse(layer)) }
        let model = try Model(specs: specs, inputShape: inputShape, seed: 0, context: context)
        let bytes = try FileBytes.read(path)
        try model.load(try SafeTensors.decode(bytes, path: path).tensors)
        return ModelCheckpoint(
            model: model,
            normalization: Normalization(kind: kind, offset: offset.map { Float($0) }, scale: scale.map { Float($0) }),
            classNames: sidecar["classes"] as? [String] ?? [], loss: loss,
            training: sidecar["training"] as? [String: Any] ?? [:],
            categories: (sidecar["categories"] as? [[String: Any]] ?? []).compactMap { entry in
                guard let column = entry["column"] as? String, let values = entry["values"] as? [String] else {
                    return nil
                }
                return Dataset.Category(column: column, values: values)
            })
    }

    /// Reads `source` as this model sees data: labels mapped to its classes (or kept numeric for
    /// regression), the sample shape checked, the training normalisation applied.
    ///
    /// - Throws: ``TrainerError`` when the data cannot be read or does not fit the model.
    public func prepare(_ source: DataSource) throws(TrainerError) -> Dataset {
        var dataset = try source.load(
            classNames: classNames, numericLabels: !loss.isClassification, categories: categories)
        try check(dataset)
        normalization.apply(to: &dataset)
        return dataset
    }

    /// Checks that `data` has the sample shape the model was trained on.
    ///
    /// - Throws: ``TrainerError`` naming both shapes.
    public func check(_ data: Dataset) throws(TrainerError) {
        let expected = model.inputShape.reduce(1, *)
        let actual = data.sampleShape.reduce(1, *)
        guard expected == actual else {
            throw TrainerError(
                "the data has \(actual) values per sample (shape \(data.sampleShape)) but the model was trained on "
                    + "\(expected) (shape \(model.inputShape)); for CSV, name the label column with --label so it is not read as a feature"
            )
        }
    }

    /// Writes `object` as sorted, indented JSON (with a final newline) atomically.
    static func writeJSON(_ object: Any, to path: String) throws(TrainerError) {
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        else { throw TrainerError("internal error: cannot encode JSON for '\(path)'") }
        data.append(0x0A)
        try writeAtomically(data, to: path)
    }

    /// Writes a file through a temporary file in the same folder, creating the folder.
    public static func writeAtomically(_ data: Data, to path: String) throws(TrainerError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw TrainerError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
