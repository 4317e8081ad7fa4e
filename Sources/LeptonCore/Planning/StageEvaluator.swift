import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Computes a stage's current record: the digest or value of everything in its key.
///
/// Inputs that are exactly an upstream stage's output take that stage's recorded output
/// digest (no disk access); everything else is hashed through the stat cache.
public struct StageEvaluator: Sendable {
    let root: String
    let pipeline: PipelineDescription
    let hasher: ContentHasher
    let params: ParamsStore
    let targets: TargetSources?
    let environment: @Sendable (String) -> String?
    /// Digests of source inputs (no stage produces them) hashed ahead of the decisions, in
    /// parallel; nil values are inputs that do not exist.
    var prefetched: [String: PathDigest?] = [:]

    public init(
        root: String, pipeline: PipelineDescription, hasher: ContentHasher, params: ParamsStore,
        targets: TargetSources?,
        environment: @escaping @Sendable (String) -> String? = StageEvaluator.processEnvironment
    ) {
        self.root = root
        self.pipeline = pipeline
        self.hasher = hasher
        self.params = params
        self.targets = targets
        self.environment = environment
    }

    /// Reads a variable of this process's environment.
    public static func processEnvironment(_ name: String) -> String? {
        Environment.raw(name)
    }

    /// The stage's record as of now, with its key and without outputs.
    ///
    /// - Parameters:
    ///   - stage: The stage to evaluate.
    ///   - upstream: Output digests of stages already decided in this build.
    /// - Returns: The record, whose `key` decides whether the stage must run.
    /// - Throws: ``LeptonError`` naming the stage and the input that is missing or unreadable.
    public func record(for stage: StageDescription, upstream: [String: PathDigest]) throws(LeptonError) -> StageRecord {
        var record = StageRecord(command: stage.command.canonical)
        for name in stage.environment {
            record.environment[name] = environment(name).map { ContentHash.of(text: $0) } ?? "unset"
        }
        for parameter in stage.params {
            let label =
                parameter.file.map { $0 == pipeline.paramsFile ? parameter.key : "\($0):\(parameter.key)" }
                ?? parameter.key
            if let inline = parameter.inline {
                record.params[label] = inline
                continue
            }
            switch params.lookup(parameter.key, in: parameter.file ?? pipeline.paramsFile) {
            case .success(let value): record.params[label] = value
            case .failure(let error): throw LeptonError(.invalidPipeline, "stage '\(stage.name)': \(error.message)")
            }
        }
        for spec in stage.code {
            try add(spec, of: stage, upstream: upstream, into: &record.code)
        }
        for spec in stage.inputs {
            try add(spec, of: stage, upstream: upstream, into: &record.inputs)
        }
        record.key = StageRecord.computeKey(
            command: record.command, inputs: record.inputs, code: record.code, params: record.params,
            environment: record.environment, outputPaths: stage.allOutputs.map(\.path))
        return record
    }

    private func add(
        _ spec: PathSpec, of stage: StageDescription, upstream: [String: PathDigest],
        into digests: inout [String: String]
    ) throws(LeptonError) {
        switch spec.kind {
        case .target:
            if let problem = PipelineValidator.unknownTarget(stage: stage.name, name: spec.path, targets: targets) {
                throw LeptonError(.invalidPipeline, problem)
            }
            let files = targets?.targets[spec.path] ?? []
            for file in files { digests[file] = try digest(of: file, stage: stage, upstream: upstream) }
        case .glob:
            for file in Glob(root: root, observations: hasher.observations).files(matching: spec.path) {
                digests[file] = try digest(of: file, stage: stage, upstream: upstream)
            }
        case .path, .file, .folder:
            digests[spec.path] = try digest(of: spec.path, stage: stage, upstream: upstream)
        }
    }

    private func digest(of path: String, stage: StageDescription, upstream: [String: PathDigest]) throws(LeptonError)
        -> String
    {
        if let known = upstream[path] { return known.digest }
        if let prefetched = prefetched[path] {
            guard let found = prefetched else {
                throw LeptonError(.invalidPipeline, PipelineValidator.missingInput(stage: stage.name, path: path))
            }
            return found.digest
        }
        guard let found = try hasher.digest(of: path) else {
            throw LeptonError(.invalidPipeline, PipelineValidator.missingInput(stage: stage.name, path: path))
        }
        return found.digest
    }

    /// Whether the outputs on disk match the recorded digests; the reasons when they do not.
    public func outputProblems(_ outputs: [String: PathDigest]) -> [RebuildReason] {
        var problems: [RebuildReason] = []
        for (path, expected) in outputs.sorted(by: { $0.key < $1.key }) {
            guard let actual = try? hasher.digest(of: path) else {
                problems.append(.outputMissing(path))
                continue
            }
            if actual.kind != expected.kind || actual.digest != expected.digest
                || (actual.kind == .file && actual.executable != expected.executable)
            {
                problems.append(.outputModified(path))
            }
        }
        return problems
    }
}
