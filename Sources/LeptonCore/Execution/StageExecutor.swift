import LeptonSystem
import Synchronization

/// Does the work of one stage on a worker thread: restores its outputs from the cache, or runs
/// its command and stores what it wrote.
struct StageExecutor: Sendable {
    let workspace: Workspace
    let cache: ArtifactCache
    let hasher: ContentHasher
    let runner: any ProcessRunner
    /// Runs the stages whose executor is a cluster's; nil when none is set up.
    let cluster: (any ClusterRunner)?
    /// Where stages run that name no executor.
    let defaultExecutor: ExecutorKind
    let clock: any Clock
    /// Receives the lines stages write, if anyone shows them.
    let observer: (any BuildObserver)?
    let fileSystem = PosixFileSystem()
    /// Lepton's own binary, for `tool` commands.
    let toolPath: String
    /// An optimized `lepton-trainer` for the trainer's tool commands, when the plugin built one.
    let trainerToolPath: String?
    /// Whether Lepton runs inside `swift package lepton` (SwiftPM holds the build lock).
    let insideSwiftPM: Bool
    /// Builds the executables `.product` stages run.
    let products: ProductBuilder
    /// The one confined path into the workspace: restores, and the check of output paths
    /// before a run (made once: it resolves the package root's symlinks).
    let restorer: WorkspaceRestorer

    init(
        workspace: Workspace, cache: ArtifactCache, hasher: ContentHasher, runner: any ProcessRunner, clock: any Clock,
        observer: (any BuildObserver)?, toolPath: String, trainerToolPath: String?, insideSwiftPM: Bool = false,
        cluster: (any ClusterRunner)? = nil, defaultExecutor: ExecutorKind = .local
    ) {
        self.cluster = cluster
        self.defaultExecutor = defaultExecutor
        self.toolPath = toolPath
        self.insideSwiftPM = insideSwiftPM
        self.products = ProductBuilder(
            workspace: workspace, runner: runner, prebuilt: ProductBuilder.prebuiltFromEnvironment(),
            insideSwiftPM: insideSwiftPM)
        self.trainerToolPath = trainerToolPath
        self.workspace = workspace
        self.cache = cache
        self.hasher = hasher
        self.runner = runner
        self.clock = clock
        self.observer = observer
        restorer = WorkspaceRestorer(workspace: workspace, cache: cache, clock: clock)
    }

    /// Restores the given outputs (those not already intact on disk).
    ///
    /// - Parameters:
    ///   - outputs: The outputs by path.
    ///   - stage: The stage they belong to, for messages.
    ///   - trusted: Objects just downloaded and verified (see ``ArtifactCache/restore(_:to:trusted:)``).
    ///   - source: Where file objects the cache lacks come from (the remote cache).
    /// - Throws: ``LeptonError`` when an object is missing or damaged, or a path escapes.
    func restore(
        _ outputs: [String: PathDigest], stage: String, trusted: Set<String> = [], source: (any ObjectSource)? = nil
    ) throws(LeptonError) {
        let hasher = self.hasher
        try restorer.restore(
            outputs, stage: stage, trusted: trusted, source: source,
            current: { path in (try? hasher.digest(of: path)) ?? nil },
            restored: { (path, digest) throws(LeptonError) in try remember(path, digest) })
    }

    /// The executor a stage runs on: its own, else the build's default.
    func executor(of resources: StageResources) -> ExecutorKind { resources.executor ?? defaultExecutor }

    /// Runs a stage's command and, on success, hashes and stores its outputs.
    ///
    /// - Returns: The record or the failure, and the cluster job that ran it (nil for a local process).
    func run(_ stage: StageDescription, record: StageRecord, resources: StageResources = StageResources()) -> (
        result: Result<StageRecord, StageFailure>, job: String?
    ) {
        let submitted = Mutex<String?>(nil)
        let result = run(stage, record: record, resources: resources) { job in submitted.withLock { $0 = job } }
        return (result, submitted.withLock { $0 })
    }

    private func run(
        _ stage: StageDescription, record: StageRecord, resources: StageResources,
        onSubmitted: @escaping @Sendable (String) -> Void
    ) -> Result<StageRecord, StageFailure> {
        let onCluster = executor(of: resources) != .local
        if insideSwiftPM, !onCluster, let invocation = stage.command.swiftPMInvocation {
            return .failure(
                StageFailure(
                    message:
                        "it runs `\(invocation)` inside `swift package lepton`, which holds SwiftPM's build lock: it would wait for it forever. Give it its own build folder (`\(invocation) --scratch-path .build-stages …`), or run `lepton build` outside SwiftPM"
                ))
        }
        do throws(LeptonError) {
            try prepareOutputs(of: stage)
        } catch {
            return .failure(StageFailure(message: error.message))
        }
        var product: String?
        if case .product(let name, _, let configuration) = stage.command {
            switch products.path(of: name, configuration: configuration) {
            case .success(let path): product = path
            case .failure(let failure): return .failure(failure)
            }
        }
        let logPath = workspace.logDirectory + "/" + stage.name + ".log"
        var onOutput: (@Sendable (String) -> Void)?
        if let observer {
            let name = stage.name
            onOutput = { line in observer.stageOutput(name, line: line) }
        }
        var arguments = stage.command.argv(
            tool: stage.command.runsTrainer ? trainerToolPath ?? toolPath : toolPath, product: product,
            params: record.params)
        // The trainer's threads follow the cores it asked for, unless it names a thread count;
        // on a cluster, one that asked for none gets the scheduler's default allocation, one core.
        if stage.command.runsTrainer, !arguments.contains(TrainerFlag.threads.option),
            let cpus = resources.cpus ?? (onCluster ? 1 : nil)
        {
            arguments += [TrainerFlag.threads.option, String(cpus)]
        }
        let runner: any ProcessRunner
        if onCluster {
            guard let cluster else {
                return .failure(
                    StageFailure(
                        message:
                            "it runs on \(executor(of: resources).rawValue), which is not set up; see docs/cluster.md"))
            }
            runner = cluster
        } else {
            runner = self.runner
        }
        let request = ProcessRequest(
            stage: stage.name,
            arguments: arguments,
            workingDirectory: workspace.root,
            environment: [
                "LEPTON_STAGE": stage.name, "LEPTON_ROOT": workspace.root,
                // The stage's parameter values as hashed (`--set` overrides included).
                "LEPTON_PARAMS": JSON.object(record.params.mapValues { (try? JSON.parse($0)) ?? .string($0) })
                    .compactText,
            ], logPath: logPath, withheld: StageEnvironment.withheld,
            onOutput: onOutput, resources: resources, onSubmitted: onSubmitted)
        let outcome = runner.run(request)
        // The log's end, read only when something failed (most stages write no log at all).
        var tail: [String] { StageExecutor.tail(of: logPath, lines: 20, fileSystem: fileSystem) }
        func failure(_ message: String) -> Result<StageRecord, StageFailure> {
            .failure(
                StageFailure(
                    message: message, logTail: tail, logPath: logPath,
                    firstError: StageExecutor.firstError(of: logPath, fileSystem: fileSystem)))
        }
        switch outcome {
        case .exited(0): break
        case .exited(let status): return failure("command exited with status \(status)")
        case .signaled(let signal): return failure("command was killed by signal \(signal)")
        case .launchFailed(let message), .failed(let message): return failure(message)
        }
        var result = record
        // A stage that rewrites its own input reruns on every build: say why.
        for (path, digest) in record.inputs.sorted(by: { $0.key < $1.key }) {
            if let now = try? hasher.digest(of: path), now.digest != digest {
                observer?.warning(
                    "stage '\(stage.name)' changed its own input '\(path)' while it ran, so it will run again on every build; write the result to another path"
                )
            }
        }
        do throws(LeptonError) {
            for output in stage.allOutputs {
                guard let digest = try hasher.digest(of: output.path) else {
                    return .failure(
                        StageFailure(
                            message:
                                "declared output '\(output.path)' is missing after the command succeeded; write it or remove it from 'outputs'",
                            logTail: tail, logPath: logPath))
                }
                let manifest = digest.kind == .folder ? try hasher.manifest(ofFolder: output.path) : nil
                try cache.storeOutput(at: workspace.absolute(output.path), digest: digest, manifest: manifest)
                result.outputs[output.path] = digest
            }
            let created = Int(clock.fileTimeNow() / 1_000_000_000)
            try cache.writeRunEntry(
                .init(key: record.key, stage: stage.name, outputs: result.outputs, created: created))
        } catch {
            return .failure(StageFailure(message: error.message, logTail: tail, logPath: logPath))
        }
        return .success(result)
    }

    /// Before a run: outputs left from an earlier run are saved to the cache (nothing is lost)
    /// and removed, so that a declared output the command fails to write is noticed.
    private func prepareOutputs(of stage: StageDescription) throws(LeptonError) {
        for output in stage.allOutputs { try restorer.checkPath(output.path, stage: stage.name) }
        for output in stage.allOutputs {
            let absolute = workspace.absolute(output.path)
            if let parent = RelativePath.parent(absolute) { try fileSystem.createDirectories(parent) }
            guard let digest = try hasher.digest(of: output.path) else { continue }
            // A held download goes into the cache by rename: kept, and nothing is copied.
            if digest.kind == .file, cache.takeOver(absolute, digest: digest.digest) { continue }
            let manifest = digest.kind == .folder ? try hasher.manifest(ofFolder: output.path) : nil
            try cache.storeOutput(at: absolute, digest: digest, manifest: manifest)
            try fileSystem.remove(absolute)
        }
    }

    /// Records restored files in the stat cache so the next build does not hash them again.
    private func remember(_ path: String, _ digest: PathDigest) throws(LeptonError) {
        let now = clock.fileTimeNow()
        switch digest.kind {
        case .file:
            if let status = fileSystem.statusFollowingLinks(workspace.absolute(path)) {
                hasher.statCache.record(path, status: status, digest: digest.digest, recordedAt: now)
                hasher.observations?.record(path, StatCache.isRacy(mtime: status.mtime, recordedAt: now) ? nil : status)
            }
        case .folder:
            for entry in cache.manifest(digest.digest)?.entries ?? [] where entry.kind != .symlink {
                let file = path + "/" + entry.path
                if let status = fileSystem.status(workspace.absolute(file)) {
                    hasher.statCache.record(file, status: status, digest: entry.digest, recordedAt: now)
                }
                // The folders were just rebuilt: their statuses are not yet a basis for a snapshot.
                hasher.observations?.record(path, nil)
            }
        }
    }

    /// The line of a log that says what went wrong (see ``FirstErrorLine``), from its first 8 MiB.
    static func firstError(of path: String, fileSystem: any FileSystem) -> String? {
        guard let file = try? fileSystem.open(path, .read) else { return nil }
        var head = [UInt8](repeating: 0, count: 8 << 20)
        var filled = 0
        while filled < head.count {
            let count =
                (try? head.withUnsafeMutableBytes { buffer throws(LeptonError) in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                }) ?? 0
            if count <= 0 { break }
            filled += count
        }
        head.removeSubrange(filled...)
        return FirstErrorLine.find(
            in: head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).lazy.map {
                Substring(String(decoding: $0, as: UTF8.self))
            })
    }

    /// The last lines of a log file.
    static func tail(of path: String, lines count: Int, fileSystem: any FileSystem) -> [String] {
        guard let bytes = try? fileSystem.read(path) else { return [] }
        let lines = bytes.suffix(64 * 1024).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        return lines.suffix(count + 1).map { String(decoding: $0, as: UTF8.self) }.drop { $0.isEmpty }.reversed()
            .drop { $0.isEmpty }.reversed()
    }
}
