/// One layer of a model's architecture, as written in a Leptonfile, on the command line
/// (`dense(256)`) and in a checkpoint's sidecar.
public enum LayerSpec: Sendable, Equatable {
    /// A fully connected layer with `units` outputs (flattens its input).
    case dense(units: Int)
    case relu
    case sigmoid
    case tanh
    /// Softmax over the last dimension. With the softmax cross-entropy loss it is applied for
    /// predictions only; the loss works on the logits before it.
    case softmax
    /// Zeroes each input with probability `rate` while training (scaling the rest by 1/(1-rate)).
    case dropout(rate: Float)
    /// A 2-D convolution over [channels, height, width] inputs with `filters` square kernels.
    case conv2d(filters: Int, kernel: Int, stride: Int, padding: Int)
    /// Max pooling over `size`×`size` windows every `stride` (non-overlapping when equal).
    case maxPool(size: Int, stride: Int)
    /// Average pooling over `size`×`size` windows every `stride`.
    case avgPool(size: Int, stride: Int)
    /// The mean of each channel over the whole image: [channels, h, w] → [channels].
    case globalAvgPool
    /// Batch normalisation (PyTorch's BatchNorm2d for images, BatchNorm1d for vectors).
    case batchNorm(momentum: Float, epsilon: Float)
    /// Layer normalisation over each sample's values (PyTorch's `nn.LayerNorm(sample_shape)`).
    case layerNorm(epsilon: Float)
    /// Reshapes [channels, height, width] to a vector.
    case flatten

    /// The spelling used on the command line and in error messages: `dense(256)`, `relu`,
    /// `conv2d(16,3,stride=1,padding=1)`.
    public var text: String {
        switch self {
        case .dense(let units): return "dense(\(units))"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softmax: return "softmax"
        case .dropout(let rate): return "dropout(\(rate))"
        case .conv2d(let filters, let kernel, let stride, let padding):
            return "conv2d(\(filters),\(kernel),stride=\(stride),padding=\(padding))"
        case .maxPool(let size, let stride):
            return stride == size ? "maxpool(\(size))" : "maxpool(\(size),stride=\(stride))"
        case .avgPool(let size, let stride):
            return stride == size ? "avgpool(\(size))" : "avgpool(\(size),stride=\(stride))"
        case .globalAvgPool: return "globalavgpool"
        case .batchNorm(let momentum, let epsilon):
            return momentum == 0.1 && epsilon == 1e-5 ? "batchnorm" : "batchnorm(momentum=\(momentum),eps=\(epsilon))"
        case .layerNorm(let epsilon): return epsilon == 1e-5 ? "layernorm" : "layernorm(eps=\(epsilon))"
        case .flatten: return "flatten"
        }
    }

    /// Whether the layer works on [channels, height, width] samples (a [height, width] sample
    /// is read as one channel).
    var takesImages: Bool {
        switch self {
        case .conv2d, .maxPool, .avgPool, .globalAvgPool: return true
        default: return false
        }
    }

    /// Parses a comma-separated layer list such as `dense(256),relu,dropout(0.2),dense(10)`.
    ///
    /// - Throws: ``TrainerError`` naming the first layer that is not understood and the valid forms.
    public static func parseList(_ text: String) throws(TrainerError) -> [LayerSpec] {
        var layers: [LayerSpec] = []
        var depth = 0
        var current = ""
        func take(_ item: String) throws(TrainerError) {
            let trimmed = item.trimmingWhitespace()
            if trimmed.lowercased().hasPrefix("densestack(") {
                layers += try expandStack(trimmed)
            } else {
                layers.append(try parse(item))
            }
        }
        for character in text {
            if character == "(" || character == "[" { depth += 1 }
            if character == ")" || character == "]" { depth -= 1 }
            if character == "," && depth == 0 {
                try take(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingWhitespace().isEmpty || layers.isEmpty { try take(current) }
        return layers
    }

    /// `densestack([128,64],relu)`: a dense layer of each width, each followed by the activation
    /// (what a `.denseStack(.param("model.hidden"))` becomes once its list is read), so a sweep can
    /// vary depth and widths.
    static func expandStack(_ text: String) throws(TrainerError) -> [LayerSpec] {
        guard let open = text.firstIndex(of: "["), let close = text.lastIndex(of: "]"), open < close,
            text.hasSuffix(")")
        else { throw invalid(text, "densestack needs a list of widths, e.g. densestack([128,64],relu)") }
        let widths = text[text.index(after: open)..<close].split(separator: ",").map {
            Int($0.filter { !$0.isWhitespace })
        }
        guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw invalid(text, "the widths must be positive whole numbers")
        }
        var rest = String(text[text.index(after: close)..<text.index(before: text.endIndex)]).trimmingWhitespace()
        if rest.hasPrefix(",") { rest.removeFirst() }
        let activation = rest.trimmingWhitespace().isEmpty ? LayerSpec.relu : try parse(rest)
        return widths.compactMap { $0 }.flatMap { [LayerSpec.dense(units: $0), activation] }
    }

    /// Parses one layer: `dense(256)`, `relu`, `dropout(0.5)`, `conv2d(8,3)`, `conv2d(8,3,stride=2,padding=1)`,
    /// `conv2d(8,3,padding=same)`, `maxpool(2)`, `maxpool(3,stride=2)`, `avgpool(2)`, `globalavgpool`, `flatten`.
    public static func parse(_ raw: String) throws(TrainerError) -> LayerSpec {
        let text = raw.trimmingWhitespace().lowercased()
        let name: String
        var arguments: [String] = []
        if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
            name = String(text[..<open])
            arguments = text[text.index(after: open)..<text.index(before: text.endIndex)]
                .split(separator: ",").map { String($0).trimmingWhitespace() }
        } else {
            name = text
        }
        func integer(_ index: Int, _ label: String, default value: Int? = nil) throws(TrainerError) -> Int {
            let positional = arguments.filter { !$0.contains("=") }
            let named = arguments.first { $0.hasPrefix(label + "=") }.map { String($0.dropFirst(label.count + 1)) }
            let raw = named ?? (index < positional.count ? positional[index] : nil)
            guard let raw else {
                if let value { return value }
                throw invalid(text, "missing \(label)")
            }
            guard let number = Int(raw), number > 0 || (label == "padding" && number == 0) else {
                throw invalid(text, "\(label) must be a positive integer")
            }
            return number
        }
        func decimal(_ label: String, default value: Float) throws(TrainerError) -> Float {
            guard let raw = arguments.first(where: { $0.hasPrefix(label + "=") }) else { return value }
            guard let number = Float(raw.dropFirst(label.count + 1)), number > 0 else {
                throw invalid(text, "\(label) must be a positive number")
            }
            return number
        }
        switch name {
        case "dense", "linear": return .dense(units: try integer(0, "units"))
        case "relu": return .relu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        case "softmax": return .softmax
        case "flatten": return .flatten
        case "dropout":
            guard let first = arguments.first, let rate = Float(first), rate >= 0, rate < 1 else {
                throw invalid(text, "the rate must be in [0, 1)")
            }
            return .dropout(rate: rate)
        case "conv2d", "conv":
            let kernel = try integer(1, "kernel")
            let stride = try integer(2, "stride", default: 1)
            // padding=same (Keras, PyTorch): the output keeps the input's size, for odd kernels at stride 1.
            if arguments.contains("padding=same") || (arguments.count > 3 && arguments[3] == "same") {
                guard stride == 1, kernel % 2 == 1 else {
                    throw invalid(text, "padding=same needs stride 1 and an odd kernel; give the padding as a number")
                }
                arguments.removeAll { $0 == "padding=same" || $0 == "same" }
                return .conv2d(filters: try integer(0, "filters"), kernel: kernel, stride: 1, padding: (kernel - 1) / 2)
            }
            return .conv2d(
                filters: try integer(0, "filters"), kernel: kernel, stride: stride,
                padding: try integer(3, "padding", default: 0))
        case "maxpool", "maxpool2d":
            let size = try integer(0, "size")
            return .maxPool(size: size, stride: try integer(1, "stride", default: size))
        case "avgpool", "avgpool2d", "averagepool":
            let size = try integer(0, "size")
            return .avgPool(size: size, stride: try integer(1, "stride", default: size))
        case "globalavgpool", "globalaveragepool", "globalavgpool2d": return .globalAvgPool
        case "batchnorm", "batchnorm1d", "batchnorm2d", "batchnormalization":
            let momentum = try decimal("momentum", default: 0.1)
            guard momentum > 0 && momentum <= 1 else { throw invalid(text, "the momentum must be in (0, 1]") }
            return .batchNorm(momentum: momentum, epsilon: try decimal("eps", default: 1e-5))
        case "layernorm", "layernormalization": return .layerNorm(epsilon: try decimal("eps", default: 1e-5))
        default: throw invalid(text, "unknown layer '\(name)'")
        }
    }

    private static func invalid(_ text: String, _ reason: String) -> TrainerError {
        TrainerError(
            "invalid layer '\(text)': \(reason); layers are dense(UNITS), relu, sigmoid, tanh, softmax, "
                + "dropout(RATE), conv2d(FILTERS,KERNEL[,stride=S][,padding=P|same]), maxpool(SIZE[,stride=S]), "
                + "avgpool(SIZE[,stride=S]), globalavgpool, batchnorm[(momentum=M,eps=E)], layernorm, flatten")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
