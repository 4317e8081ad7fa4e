import LeptonSystem

/// Everything recorded about one stage's last successful build: its key, the digest or value
/// of every input, and the digests of its outputs. Lepton compares a new record with this one
/// to say exactly why a stage is stale.
public struct StageRecord: Sendable, Equatable {
    /// The version of the key recipe; a change invalidates every key.
    public static let keyVersion = 1

    public var key: String
    public var command: String
    /// Data input path (or matched file) -> digest.
    public var inputs: [String: String]
    /// Code file or folder -> digest.
    public var code: [String: String]
    /// Parameter key -> canonical JSON value text.
    public var params: [String: String]
    /// Environment variable -> digest of its value, or "unset".
    public var environment: [String: String]
    /// Output path -> digest.
    public var outputs: [String: PathDigest]

    public init(
        key: String = "", command: String, inputs: [String: String] = [:], code: [String: String] = [:],
        params: [String: String] = [:], environment: [String: String] = [:], outputs: [String: PathDigest] = [:]
    ) {
        self.key = key
        self.command = command
        self.inputs = inputs
        self.code = code
        self.params = params
        self.environment = environment
        self.outputs = outputs
    }

    /// The stage key: SHA-256 of a canonical, versioned text of everything that can change the
    /// stage's result. Output digests are not part of it; declared output paths are.
    public static func computeKey(
        command: String, inputs: [String: String], code: [String: String], params: [String: String],
        environment: [String: String], outputPaths: [String]
    ) -> String {
        var text = "lepton-stage-key v\(keyVersion)\ncmd \(JSON.string(command).compactText)\n"
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { text += "env \(name) \(value)\n" }
        for (name, value) in params.sorted(by: { $0.key < $1.key }) {
            text += "param \(JSON.string(name).compactText) \(value)\n"
        }
        for (path, digest) in code.sorted(by: { $0.key < $1.key }) {
            text += "code \(digest) \(JSON.string(path).compactText)\n"
        }
        for (path, digest) in inputs.sorted(by: { $0.key < $1.key }) {
            text += "in \(digest) \(JSON.string(path).compactText)\n"
        }
        for path in outputPaths.sorted() { text += "out \(JSON.string(path).compactText)\n" }
        return ContentHash.of(text: text)
    }
}

extension StageRecord {
    /// The lock-file form of the record.
    var json: JSON {
        var outputs: [String: JSON] = [:]
        for (path, digest) in self.outputs { outputs[path] = digest.json }
        return .object([
            "key": .string(key),
            "command": .string(command),
            "inputs": .object(inputs.mapValues(JSON.string)),
            "code": .object(code.mapValues(JSON.string)),
            "params": .object(params.mapValues { (try? JSON.parse($0)) ?? .string($0) }),
            "environment": .object(environment.mapValues(JSON.string)),
            "outputs": .object(outputs),
        ])
    }

    /// Writes ``json`` member by member (the same bytes, without the tree).
    func write(to stream: inout JSONStream) {
        stream.beginObject()
        stream.key("code")
        stream.stringObject(code)
        stream.key("command")
        stream.string(command)
        stream.key("environment")
        stream.stringObject(environment)
        stream.key("inputs")
        stream.stringObject(inputs)
        stream.key("key")
        stream.string(key)
        stream.key("outputs")
        stream.beginObject()
        for (path, digest) in outputs.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            stream.key(path)
            digest.write(to: &stream)
        }
        stream.endObject()
        stream.key("params")
        stream.beginObject()
        for (name, value) in params.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            stream.key(name)
            stream.value((try? JSON.parse(value)) ?? .string(value))
        }
        stream.endObject()
        stream.endObject()
    }

    /// Reads the lock-file form; nil when a field is missing or damaged.
    init?(json: JSON) {
        guard let key = json["key"]?.stringValue, let command = json["command"]?.stringValue else { return nil }
        func strings(_ name: String) -> [String: String] {
            (json[name]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
        var outputs: [String: PathDigest] = [:]
        for (path, value) in json["outputs"]?.objectValue ?? [:] {
            guard let digest = PathDigest(json: value) else { return nil }
            outputs[path] = digest
        }
        self.init(
            key: key, command: command, inputs: strings("inputs"), code: strings("code"),
            params: (json["params"]?.objectValue ?? [:]).mapValues(ParamsFile.canonical),
            environment: strings("environment"), outputs: outputs)
    }
}

extension PathDigest {
    var json: JSON {
        var members: [String: JSON] = ["kind": .string(kind.rawValue), "digest": .string(digest)]
        if executable { members["executable"] = .bool(true) }
        if kind == .file, let mode, mode != (executable ? 0o755 : 0o644) {
            members["mode"] = .string(String(mode, radix: 8))
        }
        return .object(members)
    }

    /// Writes ``json`` member by member.
    func write(to stream: inout JSONStream) {
        stream.beginObject()
        stream.key("digest")
        stream.string(digest)
        if executable {
            stream.key("executable")
            stream.bool(true)
        }
        stream.key("kind")
        stream.string(kind.rawValue)
        if kind == .file, let mode, mode != (executable ? 0o755 : 0o644) {
            stream.key("mode")
            stream.string(String(mode, radix: 8))
        }
        stream.endObject()
    }

    init?(json: JSON) {
        guard let kindText = json["kind"]?.stringValue, let kind = Kind(rawValue: kindText),
            let digest = json["digest"]?.stringValue, ContentHash.isDigest(digest)
        else { return nil }
        let mode = json["mode"]?.stringValue.flatMap { UInt32($0, radix: 8) }.map { $0 & 0o777 }
        self.init(kind: kind, digest: digest, executable: json["executable"]?.boolValue ?? false, mode: mode)
    }
}
