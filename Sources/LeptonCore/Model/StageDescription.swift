import LeptonSystem

/// One stage of a pipeline: its command and everything that decides whether it must rerun.
public struct StageDescription: Sendable, Equatable {
    public var name: String
    public var command: CommandDescription
    /// Data inputs (files, folders, globs), relative to the package root.
    public var inputs: [PathSpec]
    /// Code inputs (files, folders, globs, SwiftPM targets).
    public var code: [PathSpec]
    public var params: [ParameterSpec]
    /// Names of environment variables whose values are part of the key.
    public var environment: [String]
    /// Declared outputs, not counting metrics files.
    public var outputs: [PathSpec]
    /// Metrics files; they are outputs too.
    public var metrics: [String]
    /// Stages that must run first although no declared data flows between them.
    public var after: [String]
    /// Quality gates on the stage's metrics files, checked after it runs, is restored or is up
    /// to date; not part of the key (a gate decides whether outputs are accepted, not what they are).
    public var gates: [String]
    /// Cores, memory, GPUs, time limit and executor, the pipeline's defaults merged in; not
    /// part of the key (they change where and how fast, not what, the stage computes).
    public var resources: ResourceSpec

    public init(
        name: String, command: CommandDescription, inputs: [PathSpec] = [], code: [PathSpec] = [],
        params: [ParameterSpec] = [], environment: [String] = [], outputs: [PathSpec] = [],
        metrics: [String] = [], after: [String] = [], gates: [String] = [], resources: ResourceSpec = ResourceSpec()
    ) {
        self.resources = resources
        self.gates = gates
        self.name = name
        self.command = command
        self.inputs = inputs
        self.code = code
        self.params = params
        self.environment = environment
        self.outputs = outputs
        self.metrics = metrics
        self.after = after
    }

    /// Every path the stage writes: outputs, then metrics files.
    ///
    /// A metrics file inside one of the stage's own output folders (dvclive's `eval/metrics.json`
    /// beside `outputs: [.folder("eval")]`) is part of that folder, not an output of its own.
    public var allOutputs: [PathSpec] {
        outputs
            + metrics.filter { file in !outputs.contains { RelativePath.isWithin(file, $0.path) } }
            .map { PathSpec(kind: .file, path: $0) }
    }
}

/// What a stage runs.
public enum CommandDescription: Sendable, Equatable, CustomStringConvertible {
    /// A shell command line run by `/bin/sh -c`.
    case shell(String)
    /// An argument vector; the first element is looked up on `PATH`.
    case exec([String])
    /// Lepton's own binary (`lepton train …`) with `arguments`, which enter the key, and
    /// `settings`, which do not (they change how, not what, it computes: a thread count).
    /// `{param:LABEL}` in any command kind is replaced by the value of the stage's parameter
    /// LABEL (as hashed, `--set` overrides included).
    case tool([String], settings: [String])
    /// An executable product of the package (`name`), built in `configuration` (`debug` or
    /// `release`) before the stage runs, then run with `arguments`.
    case product(String, arguments: [String], configuration: String)

    /// The subcommands of Lepton's binary that the separate `lepton-trainer` also runs.
    public static let trainerSubcommands = Set(TrainerSubcommand.allCases.map(\.rawValue))

    /// Whether this is a `tool` command the trainer binary can run (see ``trainerSubcommands``).
    public var runsTrainer: Bool {
        guard case .tool(let arguments, _) = self, let first = arguments.first else { return false }
        return CommandDescription.trainerSubcommands.contains(first)
    }

    /// The version of Lepton's built-in tools (trainer) in the keys of `tool` stages; raising it
    /// reruns them after a change to what they compute.
    /// 2: the convolution's chunked weight gradient and the sidecar's `categories` (issue 16)
    /// change what a trained stage writes, so stages cached by version 1 retrain.
    public static let toolVersion = 2

    /// The text that enters the stage key and the lock file.
    public var canonical: String {
        switch self {
        case .shell(let line): return line
        case .exec(let arguments): return JSON.array(arguments.map(JSON.string)).compactText
        case .tool(let arguments, _):
            return "lepton/\(CommandDescription.toolVersion) " + JSON.array(arguments.map(JSON.string)).compactText
        case .product(let name, let arguments, let configuration):
            return "product \(name) -c \(configuration) " + JSON.array(arguments.map(JSON.string)).compactText
        }
    }

    /// The argument vector to spawn: `tool` is the path of Lepton's own binary (for `tool`
    /// commands), `product` the built executable (for `product` commands), and `params` the
    /// stage's parameter values by label (canonical JSON text), for `{param:…}` arguments.
    public func argv(tool: String, product: String? = nil, params: [String: String] = [:]) -> [String] {
        switch self {
        case .shell(let line):
            return ["/bin/sh", "-c", CommandDescription.shellLine(CommandDescription.substitute(line, params))]
        case .exec(let arguments): return arguments.map { CommandDescription.substitute($0, params) }
        case .tool(let arguments, let settings):
            return [tool] + arguments.map { CommandDescription.substitute($0, params) } + settings
        case .product(let name, let arguments, _):
            return [product ?? name] + arguments.map { CommandDescription.substitute($0, params) }
        }
    }

    /// Replaces every `{param:LABEL}` in `text` with the parameter's value (a JSON string
    /// unquoted); an unknown label is left as it is.
    static func substitute(_ text: String, _ params: [String: String]) -> String {
        // A byte scan first: most commands have no brace at all, and this runs for every stage.
        guard text.utf8.contains(UInt8(ascii: "{")), text.contains("{param:") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "{param:"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            result += rest[..<start.lowerBound]
            let label = String(rest[start.upperBound..<end])
            if let value = value(of: label, in: params) {
                result += value
            } else {
                result += rest[start.lowerBound...end]
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    private static func value(of label: String, in params: [String: String]) -> String? {
        var value = params[label]
        if value == nil, let colon = label.lastIndex(of: ":") {
            value = params[String(label[label.index(after: colon)...])]
        }
        guard let value else { return nil }
        if value.hasPrefix("\""), let text = (try? JSON.parse(value))?.stringValue { return text }
        return value
    }

    public var description: String { canonical }
}

/// A path in a stage declaration and how to read it.
public struct PathSpec: Sendable, Equatable, Hashable {
    /// How a path is to be read.
    public enum Kind: String, Sendable, Hashable {
        /// A file or folder, whichever it is.
        case path
        case file
        case folder
        /// A glob pattern.
        case glob
        /// A SwiftPM target name (code inputs only).
        case target
    }

    public var kind: Kind
    /// The normalised relative path, pattern or target name.
    public var path: String

    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// A parameter a stage reads: a key of a params file or an inline value.
public struct ParameterSpec: Sendable, Equatable {
    /// A dotted key, `train.lr`, or the name of an inline value.
    public var key: String
    /// The params file; nil means the pipeline's default.
    public var file: String?
    /// An inline value as canonical JSON text; nil when read from a file.
    public var inline: String?

    public init(key: String, file: String? = nil, inline: String? = nil) {
        self.key = key
        self.file = file
        self.inline = inline
    }
}
