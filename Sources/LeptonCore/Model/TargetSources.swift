/// The source files of the package's SwiftPM targets, by target name.
///
/// The `swift package lepton` plugin hands Lepton the exact list (each target's files plus
/// those of the targets it depends on). Run directly, Lepton falls back to SwiftPM's
/// conventional layout: every file under `Sources/<Name>` (or `Tests/<Name>`).
public struct TargetSources: Sendable, Equatable {
    /// Relative file paths by target name; nil when the list came from the layout convention.
    public var targets: [String: [String]]
    /// Whether the list came from SwiftPM (the plugin) rather than the layout convention.
    public var fromSwiftPM: Bool

    public init(targets: [String: [String]], fromSwiftPM: Bool) {
        self.targets = targets
        self.fromSwiftPM = fromSwiftPM
    }

    /// Reads the file the plugin writes: `{"targets": {"Name": ["Sources/Name/a.swift", …]}}`.
    public static func load(pluginFile path: String, fileSystem: FileSystem = FileSystem()) throws(LeptonError)
        -> TargetSources
    {
        let bytes = try fileSystem.read(path)
        guard let json = try? JSON.parse(bytes), let members = json["targets"]?.objectValue else {
            throw LeptonError(.corruptState, "the target list '\(path)' from the plugin is damaged")
        }
        var targets: [String: [String]] = [:]
        for (name, files) in members {
            targets[name] = (files.arrayValue ?? []).compactMap(\.stringValue).sorted()
        }
        return TargetSources(targets: targets, fromSwiftPM: true)
    }

    /// The conventional layout: each folder under `Sources/` and `Tests/` is a target.
    public static func conventional(root: String, fileSystem: FileSystem = FileSystem()) -> TargetSources {
        var targets: [String: [String]] = [:]
        let glob = Glob(root: root, fileSystem: fileSystem)
        for top in ["Sources", "Tests", "Plugins"] {
            for entry in (try? fileSystem.list(RelativePath.join(root, top))) ?? [] where entry.kind == .directory {
                targets[entry.name] = glob.files(matching: "\(top)/\(entry.name)/**/*")
            }
        }
        return TargetSources(targets: targets, fromSwiftPM: false)
    }
}
