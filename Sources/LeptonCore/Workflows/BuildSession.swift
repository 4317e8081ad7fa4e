import LeptonSystem

/// One build of a loaded package as `lepton build` runs it: the build lock (with the clean-up
/// of what a dead Lepton left), the `--set` overlay of params files, signals that stop the
/// build, the builder, and the no-op snapshot it certifies. ``plan()`` is the same without the
/// lock or any write: the forecast `lepton status` and `build --dry-run` print.
public struct BuildSession: Sendable {
    public let workspace: Workspace
    public let pipeline: PipelineDescription
    public let graph: BuildGraph
    public let targets: TargetSources?
    public let params: ParamsStore
    /// Progress and warnings (a recovery's messages included).
    public let observer: any BuildObserver
    /// Called with the holder's description when another Lepton holds the build lock.
    public var waiting: @Sendable (String) -> Void = { _ in }
    /// Called on the first Ctrl-C, SIGTERM or SIGHUP, before running stages are stopped.
    public var stopping: @Sendable () -> Void = {}
    /// The stages' process runner; the real one, recording groups in `.lepton/running`, by default.
    public var runner: (any ProcessRunner)?

    public init(
        workspace: Workspace, pipeline: PipelineDescription, graph: BuildGraph, targets: TargetSources?,
        params: ParamsStore, observer: any BuildObserver
    ) {
        self.workspace = workspace
        self.pipeline = pipeline
        self.graph = graph
        self.targets = targets
        self.params = params
        self.observer = observer
    }

    /// Builds with the build lock held; a dry run (``BuildOptions/dryRun``) plans instead.
    ///
    /// - Throws: ``LeptonError`` when Lepton's own state cannot be read or written (a failing
    ///   stage is a result in the summary).
    public func build(_ options: BuildOptions) throws(LeptonError) -> BuildSummary {
        if options.dryRun { return try plan(options).summary }
        try workspace.prepare()
        let lock = try WorkspaceLock(workspace: workspace, command: "lepton build", outputs: declaredOutputs) {
            waiting($0)
        }
        let params = paramsAfter(lock.recovery)
        // Jobs a killed build submitted are cancelled before anything else runs.
        for message in options.cluster?.recoverLeftovers() ?? [] { observer.warning(message) }
        // Stages that read the params file themselves must see the --set values too.
        let overlay = ParamsOverlay(workspace: workspace)
        let overlaid = !params.overrides.isEmpty
        if overlaid { try overlay.apply(params.overrides, pipeline: pipeline) }
        defer { if overlaid { overlay.recover() } }
        let builder = makeBuilder(params: params, options: options)
        let forwarder = SignalForwarder(announce: stopping) { builder.cancel() }
        let summary = try builder.build()
        withExtendedLifetime(forwarder) {}
        withExtendedLifetime(lock) {}
        return summary
    }

    /// What a build would do now, decided as ``build(_:)`` decides, running and writing nothing.
    /// When no build runs, what a dead Lepton left is cleaned up first (so a params file a
    /// killed `--set` build overlaid is read as the user wrote it).
    public func plan(_ options: BuildOptions) throws(LeptonError) -> Plan {
        try workspace.prepare()
        let idle = WorkspaceLock.recoverIfIdle(workspace: workspace, command: "lepton status", outputs: declaredOutputs)
        var options = options
        options.dryRun = true
        let plan = try makeBuilder(params: paramsAfter(idle?.recovery), options: options).plan()
        withExtendedLifetime(idle) {}
        return plan
    }

    private var declaredOutputs: [String] { pipeline.stages.flatMap { $0.allOutputs.map(\.path) } }

    /// The params to build with: a params file the recovery put back just now was read while
    /// still overlaid, so it is read again.
    private func paramsAfter(_ recovery: WorkspaceRecovery.Report?) -> ParamsStore {
        for message in recovery?.messages ?? [] { observer.warning(message) }
        guard let recovery, !recovery.restoredParamsFiles.isEmpty else { return params }
        return ParamsStore(root: workspace.root, overrides: params.overrides)
    }

    private func makeBuilder(params: ParamsStore, options: BuildOptions) -> Builder {
        Builder(
            workspace: workspace, pipeline: pipeline, targets: targets, params: params,
            statCache: StatCache.load(from: workspace.statCacheFile),
            runner: runner ?? PosixProcessRunner(registry: RunningProcesses(path: workspace.runningFile)),
            observer: observer, options: options, graph: graph)
    }
}
