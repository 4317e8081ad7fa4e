/// A data input of a stage: a file, a folder or a glob pattern, relative to the package root.
///
/// A string literal names a file or a folder, whichever exists (or whichever the producing
/// stage declares). Folders are hashed as a whole, as a Merkle tree of their files.
///
/// ```swift
/// inputs: ["data/raw.csv", .folder("data/images"), .glob("data/shards/*.npy")]
/// ```
public struct Input: ExpressibleByStringInterpolation, Sendable {
    let kind: PathKind
    let path: String

    /// A single file.
    ///
    /// ```swift
    /// inputs: [.file("data/raw.csv")]
    /// ```
    public static func file(_ path: String) -> Input { Input(kind: .file, path: path) }
    /// A folder, hashed with every file under it.
    ///
    /// ```swift
    /// inputs: [.folder("data/images")]
    /// ```
    public static func folder(_ path: String) -> Input { Input(kind: .folder, path: path) }
    /// Every file matching a glob pattern (`*`, `?`, `[…]`, and `**` for any depth).
    ///
    /// ```swift
    /// inputs: [.glob("data/**/*.csv")]
    /// ```
    public static func glob(_ pattern: String) -> Input { Input(kind: .glob, path: pattern) }

    /// A file or folder, whichever it turns out to be.
    public init(stringLiteral value: String) { self.init(kind: .path, path: value) }

    /// A file or folder named by a string that is not a literal (a loop's variable, a table's
    /// column), as a literal would: `Input(path)`.
    public init(_ path: String) { self.init(kind: .path, path: path) }

    init(kind: PathKind, path: String) {
        if path.isEmpty { Dump.error("an input has an empty path") }
        self.kind = kind
        self.path = path
    }
}

/// A code input of a stage: a source file, folder, glob pattern or SwiftPM target.
///
/// Code is hashed like data; a ``target(_:)`` stands for every source file of that target of
/// the package (and of the targets it depends on), so editing the target reruns the stage.
///
/// ```swift
/// code: ["scripts/train.py", .folder("scripts/lib"), .target("Train")]
/// ```
public struct Code: ExpressibleByStringInterpolation, Sendable {
    let kind: PathKind
    let path: String

    /// A single source file.
    ///
    /// ```swift
    /// code: [.file("train.py")]
    /// ```
    public static func file(_ path: String) -> Code { Code(kind: .file, path: path) }
    /// A folder of sources.
    ///
    /// ```swift
    /// code: [.folder("scripts")]
    /// ```
    public static func folder(_ path: String) -> Code { Code(kind: .folder, path: path) }
    /// Every file matching a glob pattern.
    ///
    /// ```swift
    /// code: [.glob("scripts/*.py")]
    /// ```
    public static func glob(_ pattern: String) -> Code { Code(kind: .glob, path: pattern) }
    /// The source files of a target of this SwiftPM package and of the targets it depends on.
    ///
    /// ```swift
    /// code: [.target("Train")]
    /// ```
    public static func target(_ name: String) -> Code { Code(kind: .target, path: name) }

    /// A file or folder, whichever it turns out to be.
    public init(stringLiteral value: String) { self.init(kind: .path, path: value) }

    /// A file or folder named by a string that is not a literal (a loop's variable, a table's
    /// column), as a literal would: `Code(path)`.
    public init(_ path: String) { self.init(kind: .path, path: path) }

    init(kind: PathKind, path: String) {
        if path.isEmpty { Dump.error("a code input has an empty path") }
        self.kind = kind
        self.path = path
    }
}

/// An output of a stage: a file or folder it writes, relative to the package root.
///
/// Lepton stores every output in its cache after a successful run, restores it when the same
/// inputs come back, and checks after the run that it exists.
///
/// ```swift
/// outputs: ["models/model.bin", .folder("data/prepared")]
/// ```
public struct Output: ExpressibleByStringInterpolation, Sendable {
    let kind: PathKind
    let path: String

    /// A single file.
    ///
    /// ```swift
    /// outputs: [.file("model.bin")]
    /// ```
    public static func file(_ path: String) -> Output { Output(kind: .file, path: path) }
    /// A folder; everything in it belongs to the stage.
    ///
    /// ```swift
    /// outputs: [.folder("data/prepared")]
    /// ```
    public static func folder(_ path: String) -> Output { Output(kind: .folder, path: path) }

    /// A file or folder, whichever the command writes.
    public init(stringLiteral value: String) { self.init(kind: .path, path: value) }

    /// A file or folder named by a string that is not a literal (a loop's variable, a table's
    /// column), as a literal would: `Output(path)`.
    public init(_ path: String) { self.init(kind: .path, path: path) }

    init(kind: PathKind, path: String) {
        if path.isEmpty { Dump.error("an output has an empty path") }
        self.kind = kind
        self.path = path
    }
}

/// How a path of an input, code input or output is to be read.
enum PathKind: String, Sendable {
    case path, file, folder, glob, target
}
