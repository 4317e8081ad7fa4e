/// A compact binary form of the validated model for the evaluated-Leptonfile cache, which is
/// read on every build: length-prefixed strings and counted lists, so reading it builds no
/// dictionaries (the JSON form costs about three times as much for 1,000 stages).
extension PipelineDescription {
    static let binaryMagic: [UInt8] = Array("LEPTONPD".utf8)
    static let binaryVersion: UInt32 = 8

    /// The binary form, prefixed by `key` (the cache key it was stored under).
    public func binary(key: String) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes += PipelineDescription.binaryMagic
        writer.integer(PipelineDescription.binaryVersion)
        writer.string(key)
        writer.string(name)
        writer.string(paramsFile)
        writer.integer(UInt32(stages.count))
        for stage in stages { stage.write(to: &writer) }
        writer.strings(gates)
        writer.strings(trackedData)
        writer.integer(UInt32(plots.count))
        for plot in plots {
            writer.optionalString(plot.title)
            writer.string(plot.template.rawValue)
            writer.optionalString(plot.x)
            writer.strings(plot.sources.map(\.file))
            writer.integer(UInt32(plot.sources.count))
            for source in plot.sources { writer.optionalString(source.field) }
            writer.optionalString(plot.xLabel)
            writer.optionalString(plot.yLabel)
            writer.optionalString(plot.stage)
        }
        return writer.bytes
    }

    /// Reads the binary form when it was stored under `key`; nil otherwise or when damaged.
    public init?(binary bytes: [UInt8], key: String) {
        var reader = ByteReader(bytes: bytes)
        guard reader.take(8).map(Array.init) == PipelineDescription.binaryMagic,
            reader.integer(UInt32.self) == PipelineDescription.binaryVersion, reader.string() == key,
            let name = reader.string(), let params = reader.string(), let count = reader.integer(UInt32.self)
        else { return nil }
        var stages: [StageDescription] = []
        stages.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let stage = StageDescription(reading: &reader) else { return nil }
            stages.append(stage)
        }
        guard let gates = reader.strings(), let trackedData = reader.strings(),
            let plotCount = reader.integer(UInt32.self)
        else { return nil }
        var plots: [PlotSpec] = []
        for _ in 0..<plotCount {
            guard let title = reader.optionalString(), let templateName = reader.string(),
                let template = PlotSpec.Template(rawValue: templateName), let x = reader.optionalString(),
                let files = reader.strings(), let fieldCount = reader.integer(UInt32.self), fieldCount == files.count
            else { return nil }
            var sources: [PlotSpec.Source] = []
            for file in files {
                guard let field = reader.optionalString() else { return nil }
                sources.append(PlotSpec.Source(file: file, field: field))
            }
            guard let xLabel = reader.optionalString(), let yLabel = reader.optionalString(),
                let stage = reader.optionalString()
            else { return nil }
            plots.append(
                PlotSpec(
                    title: title, template: template, x: x, sources: sources, xLabel: xLabel, yLabel: yLabel,
                    stage: stage))
        }
        guard reader.isAtEnd else { return nil }
        self.init(name: name, paramsFile: params, stages: stages, gates: gates, trackedData: trackedData, plots: plots)
    }
}

extension StageDescription {
    fileprivate func write(to writer: inout ByteWriter) {
        writer.string(name)
        switch command {
        case .shell(let line):
            writer.integer(UInt8(0))
            writer.string(line)
        case .exec(let arguments):
            writer.integer(UInt8(1))
            writer.strings(arguments)
        case .tool(let arguments, let settings):
            writer.integer(UInt8(2))
            writer.strings(arguments)
            writer.strings(settings)
        case .product(let name, let arguments, let configuration):
            writer.integer(UInt8(3))
            writer.string(name)
            writer.strings(arguments)
            writer.string(configuration)
        }
        for specs in [inputs, code, outputs] {
            writer.integer(UInt32(specs.count))
            for spec in specs {
                writer.string(spec.kind.rawValue)
                writer.string(spec.path)
            }
        }
        writer.integer(UInt32(params.count))
        for parameter in params {
            writer.string(parameter.key)
            writer.optionalString(parameter.file)
            writer.optionalString(parameter.inline)
        }
        writer.strings(environment)
        writer.strings(metrics)
        writer.strings(after)
        writer.strings(gates)
        for amount in [resources.cpus, resources.memory, resources.gpus, resources.time] {
            switch amount {
            case nil: writer.integer(UInt8(0))
            case .literal(let text):
                writer.integer(UInt8(1))
                writer.string(text)
            case .param(let key, let file):
                writer.integer(UInt8(2))
                writer.string(key)
                writer.optionalString(file)
            }
        }
        writer.optionalString(resources.executor?.rawValue)
        let options = resources.options.sorted { $0.key < $1.key }
        writer.strings(options.map(\.key))
        writer.strings(options.map(\.value))
    }

    fileprivate init?(reading reader: inout ByteReader) {
        guard let name = reader.string(), let kind = reader.integer(UInt8.self) else { return nil }
        let command: CommandDescription
        switch kind {
        case 0:
            guard let line = reader.string() else { return nil }
            command = .shell(line)
        case 1:
            guard let arguments = reader.strings() else { return nil }
            command = .exec(arguments)
        case 2:
            guard let arguments = reader.strings(), let settings = reader.strings() else { return nil }
            command = .tool(arguments, settings: settings)
        case 3:
            guard let name = reader.string(), let arguments = reader.strings(), let configuration = reader.string()
            else { return nil }
            command = .product(name, arguments: arguments, configuration: configuration)
        default:
            return nil
        }
        var lists: [[PathSpec]] = []
        for _ in 0..<3 {
            guard let count = reader.integer(UInt32.self) else { return nil }
            var specs: [PathSpec] = []
            specs.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let kindText = reader.string(), let kind = PathSpec.Kind(rawValue: kindText),
                    let path = reader.string()
                else { return nil }
                specs.append(PathSpec(kind: kind, path: path))
            }
            lists.append(specs)
        }
        guard let paramCount = reader.integer(UInt32.self) else { return nil }
        var params: [ParameterSpec] = []
        for _ in 0..<paramCount {
            guard let key = reader.string(), let file = reader.optionalString(), let inline = reader.optionalString()
            else {
                return nil
            }
            params.append(ParameterSpec(key: key, file: file, inline: inline))
        }
        guard let environment = reader.strings(), let metrics = reader.strings(), let after = reader.strings(),
            let gates = reader.strings()
        else {
            return nil
        }
        var amounts: [ResourceSpec.Amount?] = []
        for _ in 0..<4 {
            switch reader.integer(UInt8.self) {
            case 0: amounts.append(nil)
            case 1:
                guard let text = reader.string() else { return nil }
                amounts.append(.literal(text))
            case 2:
                guard let key = reader.string(), let file = reader.optionalString() else { return nil }
                amounts.append(.param(key: key, file: file))
            default: return nil
            }
        }
        guard let executorName = reader.optionalString(), let keys = reader.strings(), let values = reader.strings(),
            keys.count == values.count
        else { return nil }
        let executor = executorName.flatMap(ExecutorKind.init(rawValue:))
        if executorName != nil && executor == nil { return nil }
        let resources = ResourceSpec(
            cpus: amounts[0], memory: amounts[1], gpus: amounts[2], time: amounts[3], executor: executor,
            options: Dictionary(uniqueKeysWithValues: zip(keys, values)))
        self.init(
            name: name, command: command, inputs: lists[0], code: lists[1], params: params, environment: environment,
            outputs: lists[2], metrics: metrics, after: after, gates: gates, resources: resources)
    }
}

/// Appends little-endian integers and length-prefixed strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        integer(UInt32(utf8.count))
        bytes += utf8
    }

    mutating func strings(_ texts: [String]) {
        integer(UInt32(texts.count))
        for text in texts { string(text) }
    }

    /// A presence byte, then the string.
    mutating func optionalString(_ text: String?) {
        integer(UInt8(text == nil ? 0 : 1))
        if let text { string(text) }
    }
}

extension ByteReader {
    mutating func strings() -> [String]? {
        guard let count = integer(UInt32.self) else { return nil }
        var result: [String] = []
        result.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let text = string() else { return nil }
            result.append(text)
        }
        return result
    }

    /// `.some(nil)` for an absent value, nil when damaged.
    mutating func optionalString() -> String?? {
        guard let present = integer(UInt8.self) else { return nil }
        if present == 0 { return .some(nil) }
        guard let text = string() else { return nil }
        return .some(text)
    }
}
