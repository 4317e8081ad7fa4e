import LeptonSystem

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
    /// The package's products by name, with the targets each is made of (a `.product` stage's
    /// code is those targets' sources); a product missing here is taken to be its target's name.
    public var products: [String: [String]]

    public init(targets: [String: [String]], fromSwiftPM: Bool, products: [String: [String]] = [:]) {
        self.targets = targets
        self.fromSwiftPM = fromSwiftPM
        self.products = products
    }

    /// The targets a product is made of: as SwiftPM says, else the target of the same name.
    public func targets(ofProduct name: String) -> [String] { products[name] ?? [name] }

    /// Reads the file the plugin writes: `{"targets": {"Name": ["Sources/Name/a.swift", …]},
    /// "products": {"name": ["Target", …]}}`.
    public static func load(pluginFile path: String, fileSystem: any FileSystem = PosixFileSystem()) throws(LeptonError)
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
        return TargetSources(targets: targets, fromSwiftPM: true, products: products(in: json))
    }

    /// The conventional layout: each folder under `Sources/` and `Tests/` is a target.
    public static func conventional(root: String, fileSystem: any FileSystem = PosixFileSystem()) -> TargetSources {
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

extension TargetSources {
    /// The package's real target graph, from `swift package describe --type json`: each
    /// target's files (everything under its folder) plus those of every target it depends on,
    /// transitively, so a `.target("featurize")` stage reruns when the `Features` library it
    /// uses changes. The graph (folders and dependencies) is cached under `.lepton/targets/` by
    /// the bytes of `Package.swift`; the files are listed anew every time, so a new file counts.
    ///
    /// - Parameters:
    ///   - workspace: The package.
    ///   - describe: Whether to ask SwiftPM when no graph is cached.
    ///   - runner: Runs `swift package describe`.
    ///   - fileSystem: The file system.
    /// - Returns: The targets' files, or nil when no graph is cached and `describe` is false.
    /// - Throws: ``LeptonError/Code/invalidPipeline`` when SwiftPM cannot describe the package
    ///   (the stage's code would otherwise be under-tracked in silence).
    public static func described(
        workspace: Workspace, describe: Bool = true, runner: any ProcessRunner = PosixProcessRunner(),
        fileSystem: any FileSystem = PosixFileSystem()
    ) throws(LeptonError) -> TargetSources? {
        let manifest = try fileSystem.read(workspace.absolute("Package.swift"))
        let folder = workspace.stateDirectory + "/targets"
        let cached = "\(folder)/\(ContentHash.of(manifest)).json"
        var graph: [String: (path: String, dependencies: [String])] = [:]
        var products: [String: [String]] = [:]
        if let bytes = try? fileSystem.read(cached), let json = try? JSON.parse(bytes),
            let members = json["targets"]?.objectValue
        {
            for (name, value) in members {
                guard let path = value["path"]?.stringValue else { continue }
                graph[name] = (path, (value["dependencies"]?.arrayValue ?? []).compactMap(\.stringValue))
            }
            products = TargetSources.products(in: json)
        } else {
            guard describe else { return nil }
            (graph, products) = try askSwiftPM(
                workspace: workspace, folder: folder, runner: runner, fileSystem: fileSystem)
            let record = JSON.object([
                "targets": .object(
                    graph.mapValues {
                        .object(["path": .string($0.path), "dependencies": .array($0.dependencies.map(JSON.string))])
                    }),
                "products": .object(products.mapValues { .array($0.map(JSON.string)) }),
            ])
            try? fileSystem.writeAtomically(record.compactText, to: cached)
        }
        let glob = Glob(root: workspace.root, fileSystem: fileSystem)
        var own: [String: [String]] = [:]
        for (name, target) in graph { own[name] = glob.files(matching: "\(target.path)/**/*") }
        var targets: [String: [String]] = [:]
        for name in graph.keys {
            var seen: Set<String> = [name]
            var pending = [name]
            var files = Set<String>()
            while let next = pending.popLast() {
                files.formUnion(own[next] ?? [])
                for dependency in graph[next]?.dependencies ?? [] where seen.insert(dependency).inserted {
                    pending.append(dependency)
                }
            }
            targets[name] = files.sorted()
        }
        return TargetSources(targets: targets, fromSwiftPM: true, products: products)
    }

    /// `{"products": {"name": ["Target", …]}}` of a target list.
    private static func products(in json: JSON) -> [String: [String]] {
        (json["products"]?.objectValue ?? [:]).mapValues { ($0.arrayValue ?? []).compactMap(\.stringValue) }
    }

    private static func askSwiftPM(
        workspace: Workspace, folder: String, runner: any ProcessRunner, fileSystem: any FileSystem
    ) throws(LeptonError) -> (targets: [String: (path: String, dependencies: [String])], products: [String: [String]]) {
        try fileSystem.createDirectories(folder)
        let output = fileSystem.temporaryName(beside: folder + "/describe.json")
        let log = "\(folder)/describe.log"
        defer { try? fileSystem.remove(output) }
        let outcome = runner.run(
            ProcessRequest(
                stage: "swift package describe",
                arguments: ["/bin/sh", "-c", "exec swift package describe --type json > \"$0\"", output],
                workingDirectory: workspace.root, environment: [:], logPath: log,
                withheld: StageEnvironment.withheld))
        guard outcome == .exited(0), let bytes = try? fileSystem.read(output), let json = try? JSON.parse(bytes),
            let described = json["targets"]?.arrayValue
        else {
            let reason = ((try? fileSystem.readText(log)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
            throw LeptonError(
                .invalidPipeline,
                "a stage names SwiftPM targets, but `swift package describe` could not read the package's target graph\(reason.isEmpty ? "" : " (\(reason))"); fix Package.swift, or build with `swift package lepton build`"
            )
        }
        var graph: [String: (path: String, dependencies: [String])] = [:]
        for target in described {
            guard let name = target["name"]?.stringValue, let path = target["path"]?.stringValue else { continue }
            graph[name] = (path, (target["target_dependencies"]?.arrayValue ?? []).compactMap(\.stringValue))
        }
        var products: [String: [String]] = [:]
        for product in json["products"]?.arrayValue ?? [] {
            guard let name = product["name"]?.stringValue else { continue }
            products[name] = (product["targets"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        return (graph, products)
    }
}
