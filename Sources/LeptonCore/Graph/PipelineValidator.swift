import LeptonSystem

/// Checks a pipeline against the package on disk and returns every problem at once.
///
/// Each message is lower case, names stages and paths in `'…'`, and says how to fix it.
public struct PipelineValidator: Sendable {
    public let root: String
    public let targets: TargetSources?
    let fileSystem: any FileSystem

    public init(root: String, targets: TargetSources?, fileSystem: any FileSystem = PosixFileSystem()) {
        self.root = root
        self.targets = targets
        self.fileSystem = fileSystem
    }

    /// Every problem of the pipeline; an empty list means it can be built.
    ///
    /// - Parameters:
    ///   - pipeline: The pipeline to check.
    ///   - graph: The pipeline's graph, if already built.
    ///   - params: The params files the stages read.
    ///   - checkDisk: Also check the package on disk: inputs that neither exist nor are
    ///     produced, params keys, SwiftPM targets, outputs behind escaping symlinks. The CLI
    ///     does this when the Leptonfile was just evaluated; on a warm build the same problems
    ///     are found, with the same messages, when each stage is decided (so a no-op build
    ///     stats every input once, not twice).
    /// - Returns: Every problem found, errors and warnings.
    public func validate(
        _ pipeline: PipelineDescription, graph: BuildGraph? = nil, params: ParamsStore, checkDisk: Bool = true
    ) -> [Diagnostic] {
        if pipeline.stages.isEmpty {
            return [.error("the pipeline has no stages; add one with .stage(name:command:...) to 'stages'")]
        }
        let graph = graph ?? BuildGraph(pipeline: pipeline)
        var problems = namingProblems(pipeline)
        // Paths are looked up relative to the open root: fewer components to walk per path.
        let rootFolder = checkDisk ? RootFolder(path: root) : nil
        problems += outputProblems(pipeline, graph: graph, checkDisk: checkDisk, rootFolder: rootFolder)
        if let cycle = graph.findCycle() {
            problems.append(
                .error(
                    "dependency cycle: \(cycle.joined(separator: " -> ")); break it by removing one of these inputs or 'after' entries"
                ))
        }
        guard checkDisk, let rootFolder else { return problems }
        for stage in pipeline.stages {
            problems += inputProblems(stage, graph: graph, rootFolder: rootFolder)
            problems += parameterProblems(stage, pipeline: pipeline, params: params)
        }
        return problems
    }

    /// The message for an input that neither exists nor is produced by a stage.
    static func missingInput(stage: String, label: String = "input", path: String) -> String {
        "stage '\(stage)': \(label) '\(path)' does not exist and no stage outputs it; create it or add the stage that writes it"
    }

    /// The message for an output whose path runs through a symlink leading out of the root.
    static func escapingOutput(stage: String, path: String, link: String) -> String {
        "stage '\(stage)': output '\(path)' lies behind the symlink '\(link)' leading out of the package root; write outputs inside the package"
    }

    private func namingProblems(_ pipeline: PipelineDescription) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var seen = Set<String>()
        let names = pipeline.stages.map(\.name)
        for stage in pipeline.stages {
            if !seen.insert(stage.name).inserted {
                problems.append(.error("two stages are named '\(stage.name)'; stage names must be unique"))
            }
            if stage.name.isEmpty || !stage.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                problems.append(.error("stage name '\(stage.name)' may contain only letters, digits, '-', '_' and '.'"))
            }
            for name in stage.after where !names.contains(name) {
                var message = "stage '\(stage.name)' runs after unknown stage '\(name)'"
                if let suggestion = EditDistance.suggestion(for: name, among: names) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; stages are: \(names.map { "'\($0)'" }.joined(separator: ", "))"
                }
                problems.append(.error(message))
            }
            if case .shell(let line) = stage.command, line.allSatisfy(\.isWhitespace) {
                problems.append(.error("stage '\(stage.name)' has an empty command"))
            }
        }
        return problems
    }

    private func outputProblems(
        _ pipeline: PipelineDescription, graph: BuildGraph, checkDisk: Bool, rootFolder: RootFolder?
    ) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var claimed: [String: String] = [:]
        let realRoot = checkDisk ? fileSystem.realPath(root) ?? root : root
        for stage in pipeline.stages {
            for output in stage.allOutputs {
                let path = output.path
                if path.hasPrefix("/") || path.hasPrefix("..") {
                    problems.append(
                        .error(
                            "stage '\(stage.name)': output '\(path)' is outside the package root; outputs must be relative paths inside it"
                        ))
                    continue
                }
                let top = path.split(separator: "/").first.map(String.init) ?? path
                if [".lepton", ".git"].contains(top) || path == "Lepton.lock" || path == "Leptonfile" {
                    problems.append(
                        .error(
                            "stage '\(stage.name)': output '\(path)' is a file Lepton or git manages; choose another path"
                        ))
                    continue
                }
                if checkDisk,
                    let escape = PipelineValidator.symlinkEscape(
                        path, root: root, realRoot: realRoot, fileSystem: fileSystem,
                        rootFolder: rootFolder)
                {
                    problems.append(
                        .error(PipelineValidator.escapingOutput(stage: stage.name, path: path, link: escape)))
                }
                if let other = claimed[path] {
                    problems.append(
                        .error(
                            "stages '\(other)' and '\(stage.name)' both claim output '\(path)'; each output must belong to one stage"
                        ))
                } else {
                    claimed[path] = stage.name
                }
                for input in stage.inputs + stage.code
                where input.kind != .target && input.kind != .glob
                    && (RelativePath.isWithin(input.path, path) || RelativePath.isWithin(path, input.path))
                {
                    problems.append(
                        .error(
                            "stage '\(stage.name)' both reads and writes '\(input.path)'; write the result to another path"
                        ))
                }
            }
        }
        // Nested outputs: one output folder containing another stage's output.
        let index = graph.outputIndex
        for (path, owner) in claimed.sorted(by: { $0.key < $1.key }) {
            for inside in index.paths(inside: path) {
                let other = claimed[inside] ?? owner
                problems.append(
                    .error(
                        "stages '\(owner)' and '\(other)' both claim outputs '\(path)' and '\(inside)' (one contains the other); each output must belong to one stage"
                    ))
            }
        }
        return problems
    }

    /// The first symlink on the way to `path` that resolves outside the root, if any.
    /// `rootFolder`, when given, is the root opened, for lookups relative to it.
    static func symlinkEscape(
        _ path: String, root: String, realRoot: String, fileSystem: any FileSystem, rootFolder: RootFolder? = nil
    ) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            let absolute = RelativePath.join(root, prefix)
            let found = rootFolder.map { $0.status(prefix, fileSystem: fileSystem) } ?? fileSystem.status(absolute)
            guard let status = found else { return nil }
            if status.kind == .symlink {
                guard let resolved = fileSystem.realPath(absolute) else { return prefix }
                if !RelativePath.isWithin(resolved, realRoot) { return prefix }
            }
        }
        return nil
    }

    private func inputProblems(_ stage: StageDescription, graph: BuildGraph, rootFolder: RootFolder) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let glob = Glob(root: root, fileSystem: fileSystem)
        for (label, inputs) in [("input", stage.inputs), ("code input", stage.code)] {
            for input in inputs {
                switch input.kind {
                case .target:
                    problems += targetProblems(stage, name: input.path)
                case .glob:
                    let produced = !graph.producers(of: input).isEmpty
                    if !produced && glob.files(matching: input.path).isEmpty {
                        problems.append(
                            .warning("stage '\(stage.name)': \(label) pattern '\(input.path)' matches no file"))
                    }
                case .path, .file, .folder:
                    if input.path.hasPrefix("/") || input.path.hasPrefix("..") {
                        problems.append(
                            .error("stage '\(stage.name)': \(label) '\(input.path)' is outside the package root"))
                        continue
                    }
                    let produced = !graph.producers(of: input).isEmpty
                    if !produced && rootFolder.statusFollowingLinks(input.path, fileSystem: fileSystem) == nil {
                        problems.append(
                            .error(PipelineValidator.missingInput(stage: stage.name, label: label, path: input.path)))
                    }
                }
            }
        }
        return problems
    }

    private func targetProblems(_ stage: StageDescription, name: String) -> [Diagnostic] {
        PipelineValidator.unknownTarget(stage: stage.name, name: name, targets: targets).map { [.error($0)] } ?? []
    }

    /// The message for a code target the package does not have, nil when it has it.
    static func unknownTarget(stage: String, name: String, targets: TargetSources?) -> String? {
        guard let targets else {
            return
                "stage '\(stage)': code target '\(name)' needs a SwiftPM package; run Lepton in a folder with Package.swift"
        }
        if targets.targets[name] != nil { return nil }
        var message = "stage '\(stage)': code target '\(name)' is not a target of this package"
        if let suggestion = EditDistance.suggestion(for: name, among: targets.targets.keys) {
            message += "; did you mean '\(suggestion)'?"
        } else if !targets.targets.isEmpty {
            message += "; targets are: \(targets.targets.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))"
        }
        return message
    }

    private func parameterProblems(_ stage: StageDescription, pipeline: PipelineDescription, params: ParamsStore)
        -> [Diagnostic]
    {
        var problems: [Diagnostic] = []
        for parameter in stage.params where parameter.inline == nil {
            let file = parameter.file ?? pipeline.paramsFile
            switch params.lookup(parameter.key, in: file) {
            case .success: continue
            case .failure(let error): problems.append(.error("stage '\(stage.name)': \(error.message)"))
            }
        }
        return problems
    }
}
