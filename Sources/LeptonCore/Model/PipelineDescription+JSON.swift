/// A compact JSON form of the validated model, used by the evaluated-Leptonfile cache (read on
/// every build, so it is parsed with ``JSON`` rather than Foundation's decoder) and `--json` output.
extension PipelineDescription {
    public var json: JSON {
        .object([
            "name": .string(name),
            "params": .string(paramsFile),
            "stages": .array(stages.map(\.json)),
        ])
    }

    public init?(json: JSON) {
        guard let name = json["name"]?.stringValue, let params = json["params"]?.stringValue,
            let stageValues = json["stages"]?.arrayValue
        else { return nil }
        var stages: [StageDescription] = []
        for value in stageValues {
            guard let stage = StageDescription(json: value) else { return nil }
            stages.append(stage)
        }
        self.init(name: name, paramsFile: params, stages: stages)
    }
}

extension StageDescription {
    var json: JSON {
        var command: [String: JSON] = [:]
        switch self.command {
        case .shell(let line): command["shell"] = .string(line)
        case .exec(let arguments): command["exec"] = .array(arguments.map(JSON.string))
        }
        func paths(_ specs: [PathSpec]) -> JSON {
            .array(specs.map { .array([.string($0.kind.rawValue), .string($0.path)]) })
        }
        return .object([
            "name": .string(name),
            "command": .object(command),
            "inputs": paths(inputs),
            "code": paths(code),
            "params": .array(
                params.map { parameter in
                    var members: [String: JSON] = ["key": .string(parameter.key)]
                    if let file = parameter.file { members["file"] = .string(file) }
                    if let inline = parameter.inline { members["inline"] = .string(inline) }
                    return .object(members)
                }),
            "environment": .array(environment.map(JSON.string)),
            "outputs": paths(outputs),
            "metrics": .array(metrics.map(JSON.string)),
            "after": .array(after.map(JSON.string)),
        ])
    }

    init?(json: JSON) {
        guard let name = json["name"]?.stringValue, let commandJSON = json["command"] else { return nil }
        let command: CommandDescription
        if let line = commandJSON["shell"]?.stringValue {
            command = .shell(line)
        } else if let arguments = commandJSON["exec"]?.arrayValue {
            command = .exec(arguments.compactMap(\.stringValue))
        } else {
            return nil
        }
        func paths(_ key: String) -> [PathSpec]? {
            var specs: [PathSpec] = []
            for item in json[key]?.arrayValue ?? [] {
                guard let pair = item.arrayValue, pair.count == 2, let kindText = pair[0].stringValue,
                    let kind = PathSpec.Kind(rawValue: kindText), let path = pair[1].stringValue
                else { return nil }
                specs.append(PathSpec(kind: kind, path: path))
            }
            return specs
        }
        func strings(_ key: String) -> [String] { (json[key]?.arrayValue ?? []).compactMap(\.stringValue) }
        guard let inputs = paths("inputs"), let code = paths("code"), let outputs = paths("outputs") else { return nil }
        let params = (json["params"]?.arrayValue ?? []).compactMap { value -> ParameterSpec? in
            guard let key = value["key"]?.stringValue else { return nil }
            return ParameterSpec(key: key, file: value["file"]?.stringValue, inline: value["inline"]?.stringValue)
        }
        self.init(
            name: name, command: command, inputs: inputs, code: code, params: params,
            environment: strings("environment"), outputs: outputs, metrics: strings("metrics"), after: strings("after"))
    }
}
