import ArgumentParser
import LeptonCore
import LeptonLoading
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loaded, validated package: what every package command starts from.
struct PackageSession {
    let workspace: Workspace
    let pipeline: PipelineDescription
    /// The evaluated Leptonfile's cache key (part of the no-op snapshot's context).
    let loaderKey: String
    let graph: BuildGraph
    let targets: TargetSources?
    let params: ParamsStore
    let console: Console

    /// Finds the package, loads its Leptonfile and validates the pipeline, printing every
    /// problem and throwing the configuration-error exit code when there are any.
    ///
    /// `overrides` are `--set KEY=VALUE` items; a key no stage declares is a usage error (64).
    static func open(_ options: GlobalOptions, console: Console, overrides items: [String] = []) throws
        -> PackageSession
    {
        try PackageSession.open(options.location, console: console, overrides: items)
    }

    /// ``open(_:console:overrides:)`` for a package found from plain values, or already found
    /// in `workspace`.
    static func open(
        _ options: PackageLocation, workspace found: Workspace? = nil, console: Console, overrides items: [String] = []
    ) throws -> PackageSession {
        let workspace = try found ?? findWorkspace(options)
        let loaded: (pipeline: PipelineDescription, source: LeptonfileLoader.Source, key: String)
        let started = SystemClock().monotonicNow()
        // Ctrl-C, SIGTERM or a closed terminal stop the compiler or the evaluation (an endless
        // loop in the Leptonfile) and remove its temporary folder.
        let runner = PosixProcessRunner(gracePeriod: .seconds(1))
        var loader = LeptonfileLoader(workspace: workspace, runner: runner)
        loader.onSlowEvaluation = { seconds in
            console.error(
                console.dim(
                    "still evaluating the Leptonfile after \(Int(seconds)) s (Ctrl-C stops it; LEPTON_EVALUATION_TIMEOUT=SECONDS sets a limit)"
                ))
        }
        loader.onSlowCompile = { warning in
            console.error(
                console.dim(
                    "\(warning)\n  note: the Swift type checker's work on one long literal grows faster than its length. Lepton compiles a top-level `let NAME: [Type] = [...]` and the `stages: [...]` of `Pipeline(...)` in pieces; write long lists in one of those forms, one row per line, or generate the stages in a loop (docs/Leptonfile.md, Limits). The evaluation is cached until the Leptonfile changes."
                ))
        }
        loader.onWaiting = { holder in
            console.error(console.dim("waiting for \(holder) to finish evaluating this Leptonfile"))
        }
        loader.timeout = StageEvaluator.processEnvironment("LEPTON_EVALUATION_TIMEOUT").flatMap(Double.init)
        let interrupted = Atomic<Bool>(false)
        let forwarder = SignalForwarder {
            interrupted.store(true, ordering: .relaxed)
            runner.terminateAll()
        }
        do {
            loaded = try loader.load()
        } catch {
            withExtendedLifetime(forwarder) {}
            if interrupted.load(ordering: .relaxed) {
                console.error("lepton: interrupted while evaluating the Leptonfile")
                throw ExitCodes.interrupted
            }
            console.error(console.red("error: ") + error.message)
            // `.lepton/` that cannot be written is not a Leptonfile problem.
            throw error.code == .io ? ExitCodes.state : ExitCodes.invalid
        }
        withExtendedLifetime(forwarder) {}
        if options.verbose {
            let milliseconds = Double(SystemClock().monotonicNow() - started) / 1e6
            let how =
                switch loaded.source {
                case .cache: "cached description"
                case .literal: "read as literals"
                case .constants: "read as literals, its computed values evaluated"
                case .evaluated: "evaluated"
                }
            console.error(
                console.dim(
                    "Leptonfile: \(how), \(loaded.pipeline.stages.count) stages, loaded in \(Double(Int(milliseconds * 100)) / 100) ms"
                ))
        }
        let usesTargets = loaded.pipeline.stages.contains { stage in
            if case .product = stage.command { return true }
            return (stage.inputs + stage.code).contains { $0.kind == .target }
        }
        let targets: TargetSources?
        do {
            targets = try loadTargets(options, workspace: workspace, described: usesTargets)
        } catch let error as LeptonError {
            console.error(console.red("error: ") + error.message)
            throw ExitCodes.invalid
        }
        let overrides: [String: String]
        do {
            let declared = Set(loaded.pipeline.stages.flatMap { $0.params.filter { $0.inline == nil }.map(\.key) })
            overrides = try ParameterOverrides.parse(items, declared: Array(declared))
        } catch {
            console.error(console.red("error: ") + error.message)
            throw ExitCode.validationFailure
        }
        let params = ParamsStore(root: workspace.root, overrides: overrides)
        let validationStart = SystemClock().monotonicNow()
        let pipeline = loaded.pipeline.withProductCode(targets)
        let graph = BuildGraph(pipeline: pipeline)
        let diagnostics = PipelineValidator(root: workspace.root, targets: targets)
            .validate(pipeline, graph: graph, params: params, checkDisk: loaded.source != .cache)
        if options.verbose {
            let milliseconds = Double(SystemClock().monotonicNow() - validationStart) / 1e6
            console.error(console.dim("validated in \(Double(Int(milliseconds * 100)) / 100) ms"))
        }
        report(diagnostics, console: console, all: options.verbose)
        if diagnostics.hasErrors { throw ExitCodes.invalid }
        ProcessLifetime.retain(loaded.pipeline)
        ProcessLifetime.retain(pipeline)
        ProcessLifetime.retain(graph)
        return PackageSession(
            workspace: workspace, pipeline: pipeline, loaderKey: loaded.key, graph: graph, targets: targets,
            params: params,
            console: console)
    }

    /// How many of a pipeline's problems are printed without `-v`.
    static let shownProblems = 30

    /// Prints each distinct problem, the first ``shownProblems`` unless `all`, then how many more
    /// there are: a folder of 10,000 missing inputs is one mistake, not 10,000 lines to scroll.
    static func report(_ diagnostics: [Diagnostic], console: Console, all: Bool) {
        var seen = Set<String>()
        let distinct = diagnostics.filter { seen.insert($0.description).inserted }
        let shown = all ? distinct.count : min(distinct.count, shownProblems)
        for diagnostic in distinct.prefix(shown) {
            let label = diagnostic.severity == .error ? console.red("error: ") : console.yellow("warning: ")
            console.error(label + diagnostic.message)
        }
        let rest = distinct.dropFirst(shown)
        guard !rest.isEmpty else { return }
        let errors = rest.filter { $0.severity == .error }.count
        let counts = [(errors, "error"), (rest.count - errors, "warning")].filter { $0.0 > 0 }
            .map { "\($0.0) more \($0.1)\($0.0 == 1 ? "" : "s")" }
        console.error("... and \(counts.joined(separator: " and ")) (-v prints them all)")
    }

    static func findWorkspace(_ options: GlobalOptions) throws -> Workspace { try findWorkspace(options.location) }

    static func findWorkspace(_ options: PackageLocation) throws -> Workspace {
        let start = absolutePath(options.resolvedPackagePath ?? ".")
        if options.resolvedPackagePath != nil {
            guard PosixFileSystem().exists(start + "/Leptonfile") else {
                throw ValidationError("'\(start)' has no Leptonfile; run `lepton init` there to create one.")
            }
            return Workspace(root: start)
        }
        guard let workspace = Workspace.find(from: start) else {
            throw ValidationError(
                "no Leptonfile in '\(start)' or any folder above it; run `lepton init` to create one.")
        }
        return workspace
    }

    /// The package's targets: the plugin's list, else (when a stage names targets) SwiftPM's
    /// description of the package with dependencies, else the conventional layout.
    static func loadTargets(_ options: GlobalOptions, workspace: Workspace, described: Bool = false) throws
        -> TargetSources?
    {
        try loadTargets(options.location, workspace: workspace, described: described)
    }

    static func loadTargets(_ options: PackageLocation, workspace: Workspace, described: Bool = false) throws
        -> TargetSources?
    {
        if let file = options.resolvedSwiftPMTargets {
            return try TargetSources.load(pluginFile: absolutePath(file))
        }
        guard PosixFileSystem().exists(workspace.root + "/Package.swift") else { return nil }
        // A graph cached for this Package.swift is used whether or not a stage names targets,
        // so the build and the no-op check always agree.
        if let graph = try TargetSources.described(workspace: workspace, describe: described) { return graph }
        return TargetSources.conventional(root: workspace.root)
    }

    static func absolutePath(_ path: String) -> String {
        let joined: String
        if path.hasPrefix("/") {
            joined = path
        } else {
            joined = (PosixFileSystem().currentDirectory() ?? ".") + "/" + path
        }
        return "/" + (RelativePath.normalize(String(joined.dropFirst())) ?? "")
    }

    /// Checks that stage names given on the command line exist, suggesting the nearest.
    /// Stage names for what the user named: a stage's name, or a path (relative to the package
    /// root, or absolute inside it) that a stage produces or whose folder holds outputs, as make
    /// builds a file target. Throws naming what matches nothing.
    func resolveTargets(_ names: [String]) throws -> [String] {
        let known = Set(pipeline.stages.map(\.name))
        var result: [String] = []
        var unknown: [String] = []
        for name in names {
            if known.contains(name) {
                result.append(name)
                continue
            }
            let relative =
                name.hasPrefix(workspace.root + "/") ? String(name.dropFirst(workspace.root.count + 1)) : name
            let producers = RelativePath.normalize(relative).map { graph.producers(touching: $0) } ?? []
            if producers.isEmpty {
                unknown.append(name)
            } else {
                result += producers.sorted().map { pipeline.stages[$0].name }
            }
        }
        try checkStageNames(unknown)
        var seen = Set<String>()
        return result.filter { seen.insert($0).inserted }
    }

    func checkStageNames(_ names: [String]) throws {
        let known = pipeline.stages.map(\.name)
        var problems: [String] = []
        for name in names where !known.contains(name) {
            var message = "unknown stage or output '\(name)'"
            if let suggestion = EditDistance.suggestion(for: name, among: known) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; stages are: \(known.map { "'\($0)'" }.joined(separator: ", "))"
            }
            problems.append(message)
        }
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
    }
}
