/// What `lepton train` prints before training, as Keras' `model.summary()` does: each layer with
/// the shape of one sample after it and its trainable parameter count, and the total.
public struct ModelSummary: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var layer: String
        public var outputShape: [Int]
        public var parameters: Int
    }

    public var inputShape: [Int]
    public var rows: [Row]

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }

    public init(_ model: Model) {
        inputShape = model.inputShape
        rows = model.specs.indices.map { index in
            Row(
                layer: "\(index) \(model.specs[index].text)", outputShape: model.layerShapes[index],
                parameters: model.layers[index].parameters.reduce(0) { $0 + $1.value.count })
        }
    }

    /// The table's lines.
    public var lines: [String] {
        // Shapes are per sample, as Keras' summary prints them without the batch dimension.
        let header = ("layer", "output shape", "parameters")
        let cells =
            [("input", ModelSummary.shape(inputShape), "")]
            + rows.map { ($0.layer, ModelSummary.shape($0.outputShape), ModelSummary.grouped($0.parameters)) }
        let first = max(header.0.count, cells.map(\.0.count).max() ?? 0)
        let second = max(header.1.count, cells.map(\.1.count).max() ?? 0)
        func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func line(_ row: (String, String, String)) -> String {
            padded(row.0, first + 2) + padded(row.1, second + 2) + row.2
        }
        return [line(header)] + cells.map(line) + [
            "total parameters: \(ModelSummary.grouped(totalParameters)) (shapes are per sample, without the batch: [features], or [channels, height, width] for images, as PyTorch orders them)"
        ]
    }

    static func shape(_ dimensions: [Int]) -> String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }

    /// 235146 as `235,146`.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }
}
