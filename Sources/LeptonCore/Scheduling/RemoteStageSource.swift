import LeptonSystem
import Synchronization

/// The shared cache as a source of stages beside the local run cache: looks up stages that
/// must run, restores hits (or leaves their outputs on the server until a stage that runs needs
/// them), and uploads what ran, off the build's critical path.
final class RemoteStageSource: Sendable {
    let remote: RemoteCache
    private let graph: BuildGraph
    private let workspace: Workspace
    private let executor: StageExecutor
    private let observer: any BuildObserver
    private let isCancelled: @Sendable () -> Bool
    /// Per stage: outputs restored from the remote cache but left on the server.
    private let deferred: [DeferredOutputs]
    /// Stages whose remote hits are downloaded at once (see ``downloadsAtOnce(graph:options:)``).
    private let atOnce: Set<Int>
    /// Uploads of stages that ran; ``finish()`` waits for them.
    private let uploader: WorkerPool?
    /// Nanoseconds spent per step of remote restores, summed over stages (`build -v`).
    private let spent = Mutex<[String: UInt64]>([:])
    private let clock = SystemClock()

    init(
        remote: RemoteCache, graph: BuildGraph, workspace: Workspace, executor: StageExecutor,
        observer: any BuildObserver, options: BuildOptions, isCancelled: @escaping @Sendable () -> Bool
    ) {
        self.remote = remote
        self.graph = graph
        self.workspace = workspace
        self.executor = executor
        self.observer = observer
        self.isCancelled = isCancelled
        self.deferred = graph.pipeline.stages.map { _ in DeferredOutputs() }
        self.atOnce = RemoteStageSource.downloadsAtOnce(graph: graph, options: options)
        self.uploader = remote.uploads ? WorkerPool(threads: 2) : nil
    }

    /// The stages whose outputs a remote hit downloads at once rather than leaving on the server:
    /// the stages asked for (all stages nothing depends on when none is named), stages with
    /// metrics or gates (gates, `lepton metrics` and run records read them), or all with
    /// ``BuildOptions/remoteDownloadAll``. Others are downloaded only when a stage that runs
    /// needs them.
    static func downloadsAtOnce(graph: BuildGraph, options: BuildOptions) -> Set<Int> {
        let stages = graph.pipeline.stages
        if options.remoteDownloadAll { return Set(stages.indices) }
        var result = Set(options.targets.compactMap { graph.index[$0] })
        for index in stages.indices {
            if options.targets.isEmpty && graph.dependents[index].isEmpty { result.insert(index) }
            if !stages[index].metrics.isEmpty || !stages[index].gates.isEmpty { result.insert(index) }
        }
        return result
    }

    /// Restores a stage from a complete remote entry: downloads and restores its outputs, or
    /// defers them when nothing needs them in the workspace yet and nothing stale is there.
    /// Nil on a miss, or when the download fails (the stage then runs).
    func restore(_ index: Int, _ stage: StageDescription, record: StageRecord, reasons: [RebuildReason])
        -> StageResult?
    {
        let asked = clock.monotonicNow()
        let found = remote.lookup(record.key)
        count("look up run-cache entries", since: asked)
        guard let entry = found, Set(entry.outputs.keys) == Set(stage.allOutputs.map(\.path)) else { return nil }
        var record = record
        record.outputs = entry.outputs
        let fileSystem = PosixFileSystem()
        let absent = entry.outputs.keys.allSatisfy {
            fileSystem.status(RelativePath.join(workspace.root, $0)) == nil
        }
        if absent && !atOnce.contains(index) {
            deferred[index].store(entry)
            return StageResult(
                outcome: .restored(reasons: reasons, from: .remote(bytes: 0, deferred: true)), record: record)
        }
        switch downloadAndRestore(entry, stage: stage.name) {
        case .success(let bytes):
            return StageResult(
                outcome: .restored(reasons: reasons, from: .remote(bytes: bytes, deferred: false)), record: record)
        case .failure(let problem):
            observer.warning("stage '\(stage.name)': \(problem.message); running it instead")
            return nil
        }
    }

    /// Downloads and restores the deferred outputs of a stage's dependencies before it runs.
    func prepareInputs(of index: Int) -> StageFailure? {
        for dependency in graph.dependencies[index] {
            let name = graph.pipeline.stages[dependency].name
            let problem = deferred[dependency].takeAndFetch { entry -> RemoteError? in
                if case .failure(let problem) = downloadAndRestore(entry, stage: name) { return problem }
                return nil
            }
            if let problem {
                return StageFailure(
                    message:
                        "its input from stage '\(name)' could not be downloaded from the remote cache (\(problem.message)); build again, or with --no-remote to run '\(name)' here"
                )
            }
        }
        return nil
    }

    /// Queues the upload of a stage that ran (its blobs, then its entry) when the build may
    /// write; dependents do not wait for it.
    func upload(_ key: String, stage: String) {
        guard let uploader else { return }
        uploader.submit { [self] in
            guard !isCancelled(), let entry = executor.cache.runEntry(for: key) else { return }
            do throws(RemoteError) {
                try remote.upload(entry)
            } catch {
                observer.warning("stage '\(stage)': not uploaded to the remote cache: \(error.message)")
            }
        }
    }

    /// Waits for the queued uploads; true when there were any to wait for.
    func finish() -> Bool {
        guard let uploader else { return false }
        uploader.shutdown()
        return true
    }

    /// Downloads a remote hit's outputs (verified) and restores them into the workspace, then
    /// records the entry in the local run cache. File outputs go straight from the server into
    /// the workspace and stay held there (see ``HeldObject``), a folder's files through the
    /// local cache; a later build restores either without the network.
    private func downloadAndRestore(_ entry: RunCacheEntry, stage: String) -> Swift.Result<Int64, RemoteError> {
        var bytes: Int64 = 0
        let started = clock.monotonicNow()
        do throws(RemoteError) {
            bytes = try remote.download(entry.outputs.values.filter { $0.kind == .folder })
        } catch {
            return .failure(error)
        }
        count("download folder files into the local cache", since: started)
        let restoring = clock.monotonicNow()
        let fetch = RemoteFetch(remote: remote, outputs: entry.outputs.values)
        do throws(LeptonError) {
            defer { bytes += fetch.finish() }
            try executor.restore(entry.outputs, stage: stage, trusted: remote.verifiedDownloads, source: fetch)
            try executor.cache.writeRunEntry(entry)
        } catch {
            return .failure(RemoteError(.other, error.message))
        }
        count("download files into the workspace and restore", since: restoring)
        return .success(bytes)
    }

    private func count(_ step: String, since start: UInt64) {
        let elapsed = clock.monotonicNow() - start
        spent.withLock { $0[step, default: 0] += elapsed }
    }

    /// Where remote restores spent their time, each step summed over the stages (which run in
    /// parallel), for `build --verbose`.
    var split: [(name: String, seconds: Double)] {
        spent.withLock { $0 }.sorted { $0.key < $1.key }.map {
            ("remote: \($0.key) (summed over stages)", Double($0.value) / 1e9)
        }
    }
}
