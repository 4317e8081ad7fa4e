import ArgumentParser
import LeptonCore
import LeptonRemote
import LeptonSystem

extension LeptonCommand {
    /// `lepton build [STAGE…]`: builds stages and whatever they need, running only what changed.
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the named stages (default: all) and whatever they need.",
            discussion: """
                Runs only stages whose key changed, restores outputs from the cache when an earlier \
                combination of inputs comes back, and stops at byte-identical outputs (early cutoff).
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Stages, or outputs, to build (default: all); an output builds the stage that produces it.")
        var stages: [String] = []

        @Option(
            name: [.customShort("j", allowingJoined: true), .long],
            help: "How many stages may run at once (default: the number of cores).")
        var jobs: Int?

        @Flag(name: [.customShort("n"), .long], help: "Show what would run and why, without running anything.")
        var dryRun = false

        @Option(name: .long, help: "Rerun this stage even if it is up to date (repeatable).")
        var force: [String] = []

        @Flag(
            name: [.customShort("k"), .long], help: "After a failure, keep building stages that do not depend on it.")
        var keepGoing = false

        @Flag(name: .shortAndLong, help: "Do not show what stages print (it stays in .lepton/logs/STAGE.log).")
        var quiet = false

        @Option(
            name: .customLong("set"),
            help: "Override a parameter for this build without editing the params file: KEY=VALUE (repeatable).")
        var overrides: [String] = []

        @OptionGroup var remoteOptions: RemoteOptions

        @OptionGroup var uploadOption: UploadOption

        @OptionGroup var executorOptions: ExecutorOptions

        @Flag(
            name: .customLong("remote-download-all"),
            help:
                "Download every output a remote hit restores (default: only those of the stages asked for, metrics, and inputs of stages that run)."
        )
        var remoteDownloadAll = false

        @Option(
            name: .customLong("summary-json"),
            help: ArgumentHelp(
                "Write a JSON summary of the build (stages, outcomes, remote traffic) to this file.", valueName: "file")
        )
        var summaryJSON: String?

        /// Records the data the Leptonfile declares (`Pipeline(data:)`) that is new or changed.
        static func recordDeclaredData(_ session: PackageSession) throws {
            let console = session.console
            let graph = session.graph
            do throws(LeptonError) {
                let added = try DataTracker(workspace: session.workspace, events: .printing(to: console)).addDeclared(
                    session.pipeline.trackedData
                ) { path in graph.producers(touching: path).sorted().first.map { session.pipeline.stages[$0].name } }
                for item in added {
                    console.line(
                        "  \(console.green("recorded"))    \(item.path) \(console.dim("in \(TrackedData.fileName) (\(Format.bytes(item.entry.size)))"))"
                    )
                }
            } catch {
                console.error(console.red("error: ") + error.message)
                throw error.code == .io ? ExitCodes.state : ExitCodes.invalid
            }
        }

        /// The line of a build the no-op snapshot answered.
        static func reportNoOp(_ count: Int, seconds: Double, console: Console) {
            console.line(
                "nothing to do: \(count) stage\(count == 1 ? "" : "s") (\(count) up to date) in \(Format.duration(seconds))"
            )
        }

        func validate() throws {
            if let jobs, jobs < 1 { throw ValidationError("Please specify --jobs of at least 1.") }
        }

        func run() throws { try request.run() }

        /// The parsed arguments as plain values.
        var request: BuildRequest {
            BuildRequest(
                location: global.location, stages: stages, jobs: jobs, dryRun: dryRun, force: force,
                keepGoing: keepGoing, quiet: quiet, overrides: overrides, remote: remoteOptions.choice,
                upload: uploadOption.upload, executor: executorOptions.choice, remoteDownloadAll: remoteDownloadAll,
                summaryJSON: summaryJSON)
        }
    }
}

/// Renders a ``BuildSession`` on the console; shared by `build` and `status`.
struct BuildRun {
    let session: PackageSession
    let options: BuildOptions
    let verbose: Bool
    let quiet: Bool
    var observer: (any BuildObserver)?

    init(
        session: PackageSession, options: BuildOptions, verbose: Bool, quiet: Bool = false,
        observer: (any BuildObserver)? = nil
    ) {
        self.session = session
        self.options = options
        self.verbose = verbose
        self.quiet = quiet
        self.observer = observer
    }

    /// Builds (or, with `--dry-run`, plans) with the build lock held and signals forwarded.
    func execute() throws -> BuildSummary {
        try mapErrors { () throws(LeptonError) in try buildSession().build(options) }
    }

    /// What a build would do now (`lepton status`), without the lock or any write.
    func plan() throws -> Plan {
        try mapErrors { () throws(LeptonError) in try buildSession().plan(options) }
    }

    private func buildSession() -> BuildSession {
        let console = session.console
        let pipeline = session.pipeline
        var build = BuildSession(
            workspace: session.workspace, pipeline: pipeline, graph: session.graph, targets: session.targets,
            params: session.params,
            observer: observer
                ?? ConsoleObserver(
                    console: console, verbose: verbose,
                    showUpToDate: verbose || pipeline.stages.count <= ConsoleObserver.listUpToDateUpTo,
                    showOutput: !quiet))
        build.waiting = { holder in
            console.error(
                "waiting for \(holder) to finish: it holds the build lock of this package (.lepton/build.lock)")
        }
        build.stopping = {
            console.error("\nlepton: stopping; waiting for running stages to end (press Ctrl-C again to quit at once)")
        }
        return build
    }

    /// Only Lepton's own state throws here (a failing stage is a result): exit 5, or 2 for an
    /// invalid pipeline.
    private func mapErrors<T>(_ work: () throws(LeptonError) -> T) throws -> T {
        let result: Result<T, LeptonError> = Result { () throws(LeptonError) in try work() }
        switch result {
        case .success(let value):
            return value
        case .failure(let error):
            session.console.error(session.console.red("error: ") + error.description)
            throw error.code == .invalidPipeline ? ExitCodes.invalid : ExitCodes.state
        }
    }

    static func report(_ summary: BuildSummary, console: Console, dryRun: Bool) throws {
        var counts: [String: Int] = [:]
        for (_, outcome) in summary.outcomes {
            let label: String
            switch outcome {
            case .upToDate: label = "up to date"
            case .ran: label = "ran"
            case .restored: label = "restored"
            case .wouldRun: label = "would run"
            case .wouldRestore: label = "would restore"
            case .failed: label = "failed"
            case .skipped: label = "skipped"
            }
            counts[label, default: 0] += 1
        }
        let order = ["ran", "restored", "would run", "would restore", "up to date", "failed", "skipped"]
        let parts = order.compactMap { label in counts[label].map { "\($0) \(label)" } }
        let total = summary.outcomes.count
        let headline: String
        if summary.interrupted {
            headline = console.red("interrupted")
        } else if summary.failed {
            let gates = summary.outcomes.contains {
                if case .failed(let failure) = $0.outcome { return failure.isGateFailure }
                return false
            }
            headline = console.red(gates ? "build failed (quality gate)" : "build failed")
        } else if counts["up to date"] == total {
            headline = "nothing to do"
        } else {
            headline = dryRun ? "dry run" : console.green("build succeeded")
        }
        console.line(
            "\(headline): \(total) stage\(total == 1 ? "" : "s") (\(parts.joined(separator: ", "))) in \(Format.duration(summary.seconds))"
        )
        let code = exitCode(of: summary)
        if code != .success { throw code }
    }

    /// The build's exit code: 130 interrupted, 3 only quality gates failed, 1 a stage failed.
    static func exitCode(of summary: BuildSummary) -> ExitCode {
        if summary.interrupted { return ExitCodes.interrupted }
        guard summary.failed else { return .success }
        let failures = summary.outcomes.compactMap { item -> StageFailure? in
            if case .failed(let failure) = item.outcome { return failure }
            return nil
        }
        if failures.contains(where: \.isConfigurationError) { return ExitCodes.invalid }
        return failures.allSatisfy(\.isGateFailure) ? ExitCodes.gateFailed : ExitCodes.failure
    }
}
