import LeptonSystem
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// Makes `--set` overrides real for the stages that read a params file themselves
/// (`yaml.safe_load(open("params.yaml"))`): for the length of the build, each params file that
/// holds an overridden key is replaced by one with the overridden values, and put back after.
///
/// Without this a stage would run with the file's value while its outputs are cached under the
/// overridden key, and a later real edit to that value would restore the wrong outputs.
///
/// Crash safety: before a file is overlaid its original bytes and a record (the digests of the
/// original and of the overlay) are written durably under `.lepton/params-overlay/`. The next
/// command (``WorkspaceRecovery``) puts back a file a killed build left overlaid, unless it was
/// edited since, in which case the edit is kept.
public struct ParamsOverlay: Sendable {
    public let workspace: Workspace
    let fileSystem: any FileSystem

    public init(workspace: Workspace, fileSystem: any FileSystem = PosixFileSystem()) {
        self.workspace = workspace
        self.fileSystem = fileSystem
    }

    var folder: String { workspace.stateDirectory + "/params-overlay" }

    /// The params files and keys each override goes to: every file a stage reads the key from.
    public static func targets(of overrides: [String: String], pipeline: PipelineDescription) -> [String: [String:
        String]]
    {
        var files: [String: [String: String]] = [:]
        for stage in pipeline.stages {
            for parameter in stage.params where parameter.inline == nil {
                guard let value = overrides[parameter.key] else { continue }
                files[parameter.file ?? pipeline.paramsFile, default: [:]][parameter.key] = value
            }
        }
        return files
    }

    /// Overlays the params files; returns the paths overlaid.
    ///
    /// - Throws: ``LeptonError`` when a file cannot be read, rewritten or backed up; files
    ///   already overlaid are put back first.
    @discardableResult
    public func apply(_ overrides: [String: String], pipeline: PipelineDescription) throws(LeptonError) -> [String] {
        let files = ParamsOverlay.targets(of: overrides, pipeline: pipeline)
        guard !files.isEmpty else { return [] }
        try fileSystem.createDirectories(folder)
        var done: [String] = []
        do throws(LeptonError) {
            for (index, (path, values)) in files.sorted(by: { $0.key < $1.key }).enumerated() {
                let absolute = workspace.absolute(path)
                let original = try fileSystem.read(absolute)
                let overlaid = try ParamsOverlay.overlay(original, path: path, values: values)
                let record = JSON.object([
                    "path": .string(path), "original": .string(ContentHash.of(original)),
                    "written": .string(ContentHash.of(overlaid)),
                ])
                try fileSystem.writeAtomically(original, to: "\(folder)/\(index).original")
                try fileSystem.writeAtomically(record.prettyText, to: "\(folder)/\(index).json")
                let mode = fileSystem.status(absolute).map { mode_t($0.mode) } ?? 0o644
                try fileSystem.writeAtomically(overlaid, to: absolute, mode: mode)
                done.append(path)
            }
        } catch {
            _ = recover()
            throw error
        }
        return done
    }

    /// Puts back every overlaid file (after the build, or after a crash).
    ///
    /// - Returns: the files put back, and those kept because they were edited meanwhile.
    @discardableResult
    public func recover() -> (restored: [String], kept: [String]) {
        guard let entries = try? fileSystem.list(folder) else { return ([], []) }
        var restored: [String] = []
        var kept: [String] = []
        for entry in entries where entry.name.hasSuffix(".json") {
            let base = "\(folder)/\(entry.name.dropLast(5))"
            defer {
                try? fileSystem.remove(base + ".json")
                try? fileSystem.remove(base + ".original")
            }
            guard let text = try? fileSystem.read(base + ".json"), let record = try? JSON.parse(text),
                let path = record["path"]?.stringValue, let written = record["written"]?.stringValue,
                let originalDigest = record["original"]?.stringValue,
                let original = try? fileSystem.read(base + ".original"), ContentHash.of(original) == originalDigest,
                RelativePath.normalize(path) == path
            else { continue }
            let absolute = workspace.absolute(path)
            guard let current = try? fileSystem.read(absolute) else { continue }
            let digest = ContentHash.of(current)
            if digest == originalDigest { continue }
            guard digest == written else {
                kept.append(path)
                continue
            }
            let mode = fileSystem.status(absolute).map { mode_t($0.mode) } ?? 0o644
            if (try? fileSystem.writeAtomically(original, to: absolute, mode: mode)) != nil { restored.append(path) }
        }
        try? fileSystem.remove(folder)
        return (restored.sorted(), kept.sorted())
    }

    /// The bytes of a params file with `values` (canonical JSON by dotted key) set.
    static func overlay(_ bytes: [UInt8], path: String, values: [String: String]) throws(LeptonError) -> [UInt8] {
        if path.hasSuffix(".json") {
            var root: JSON
            do { root = try JSON.parse(bytes) } catch {
                throw LeptonError(.invalidPipeline, "params file '\(path)' is not valid JSON: \(error)")
            }
            for (key, text) in values.sorted(by: { $0.key < $1.key }) {
                guard let value = try? JSON.parse(text) else { continue }
                root = setting(value, at: key.split(separator: ".").map(String.init), in: root)
            }
            return Array(root.prettyText.utf8)
        }
        do {
            var root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self)) ?? Node.mapping(Node.Mapping([]))
            for (key, text) in values.sorted(by: { $0.key < $1.key }) {
                guard let value = try Yams.compose(yaml: text) else { continue }
                root = setting(value, at: key.split(separator: ".").map(String.init), in: root)
            }
            return Array(try Yams.serialize(node: root, sortKeys: false).utf8)
        } catch {
            throw LeptonError(.invalidPipeline, "params file '\(path)' cannot be rewritten with --set values: \(error)")
        }
    }

    private static func setting(_ value: JSON, at path: [String], in root: JSON) -> JSON {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch root {
        case .array(var items):
            if let index = Int(first), items.indices.contains(index) {
                items[index] = setting(value, at: rest, in: items[index])
                return .array(items)
            }
            return root
        case .object(var members):
            members[first] = setting(value, at: rest, in: members[first] ?? .object([:]))
            return .object(members)
        default:
            return .object([first: setting(value, at: rest, in: .object([:]))])
        }
    }

    private static func setting(_ value: Node, at path: [String], in root: Node) -> Node {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch root {
        case .sequence(var sequence):
            if let index = Int(first), sequence.indices.contains(index) {
                sequence[index] = setting(value, at: rest, in: sequence[index])
                return .sequence(sequence)
            }
            return root
        case .mapping(var mapping):
            mapping[first] = setting(value, at: rest, in: mapping[first] ?? .mapping(Node.Mapping([])))
            return .mapping(mapping)
        default:
            var mapping = Node.Mapping([])
            mapping[first] = setting(value, at: rest, in: .mapping(Node.Mapping([])))
            return .mapping(mapping)
        }
    }
}
