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

    public init(
        name: String, command: CommandDescription, inputs: [PathSpec] = [], code: [PathSpec] = [],
        params: [ParameterSpec] = [], environment: [String] = [], outputs: [PathSpec] = [],
        metrics: [String] = [], after: [String] = []
    ) {
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
    public var allOutputs: [PathSpec] { outputs + metrics.map { PathSpec(kind: .file, path: $0) } }
}

/// What a stage runs.
public enum CommandDescription: Sendable, Equatable, CustomStringConvertible {
    /// A shell command line run by `/bin/sh -c`.
    case shell(String)
    /// An argument vector; the first element is looked up on `PATH`.
    case exec([String])

    /// The text that enters the stage key and the lock file.
    public var canonical: String {
        switch self {
        case .shell(let line): return line
        case .exec(let arguments): return JSON.array(arguments.map(JSON.string)).compactText
        }
    }

    /// The argument vector to spawn.
    public var argv: [String] {
        switch self {
        case .shell(let line): return ["/bin/sh", "-c", line]
        case .exec(let arguments): return arguments
        }
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
