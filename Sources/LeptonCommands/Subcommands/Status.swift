import ArgumentParser
import LeptonCore
import LeptonSystem
import Synchronization

extension LeptonCommand {
    /// `lepton status`: every stale stage and exactly why; the exit code says whether any is.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every stage that is stale and exactly why.",
            discussion: """
                Uses the same decisions as `lepton build`, so it agrees with what a build then does. \
                Exit code: 0 when everything is up to date, 1 when something is stale, 2 on a configuration error.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Stages, or outputs, to check (default: all).")
        var stages: [String] = []

        @Option(name: .customLong("set"), help: "Check as if a parameter had this value: KEY=VALUE (repeatable).")
        var overrides: [String] = []

        @Flag(
            help:
                "Print JSON: {\"stale\": [{\"stage\", \"action\": \"run\"|\"run-if-upstream-changes\"|\"restore\"|\"error\", \"reasons\", \"runsTrainer\", \"product\"}], \"stages\": N, \"data\": [{\"path\", \"state\": \"modified\"|\"missing\"|\"unrecorded\"}]}."
        )
        var json = false

        func run() throws {
            let console = Console()
            // Tracked data no stage reads is outside the snapshot: with any, status looks itself.
            if stages.isEmpty && overrides.isEmpty, !Status.tracksData(global),
                let count = NoOpFastPath.check(global, console: console)
            {
                if json {
                    console.line(JSON.object(["stale": .array([]), "stages": .int(count)]).prettyText)
                    return
                }
                Status.reportUpToDate(count, console: console)
                return
            }
            let session = try PackageSession.open(global, console: console, overrides: overrides)
            let targets = try session.resolveTargets(stages)
            let collector = CollectingObserver()
            var options = BuildOptions(targets: targets, dryRun: true)
            if targets.isEmpty && overrides.isEmpty { options.snapshotContext = NoOpFastPath.context(of: session) }
            let plan = try BuildRun(session: session, options: options, verbose: false, observer: collector).plan()
            for warning in collector.warnings { console.error(console.yellow("warning: ") + warning) }
            let stale = plan.stale
            let data = try Status.dataChanges(session, console: console)
            if json {
                let items = stale.map { stage, outcome -> JSON in
                    var action = "run"
                    var reasons: [String] = []
                    switch outcome {
                    case .wouldRun(let why), .ran(let why):
                        reasons = why.map(\.description)
                        // Behind a stage that will run, with nothing of its own changed: early
                        // cutoff leaves it up to date if that stage's outputs come out the same.
                        if why.allSatisfy({ if case .upstreamWillRun = $0 { true } else { false } }) {
                            action = "run-if-upstream-changes"
                        }
                    case .wouldRestore(let why), .restored(let why, _):
                        action = "restore"
                        reasons = why.map(\.description)
                    case .failed(let failure):
                        action = "error"
                        reasons = [failure.message]
                    case .upToDate, .skipped: break
                    }
                    let item: [String: JSON] = [
                        "stage": .string(stage), "action": .string(action), "reasons": .array(reasons.map(JSON.string)),
                    ]
                    // What the SwiftPM plugin must build first for the stage to run.
                    let needs =
                        session.graph.index[stage].map { session.pipeline.stages[$0].command.buildNeeds }
                        ?? ["runsTrainer": .bool(false)]
                    return .object(item.merging(needs) { first, _ in first })
                }
                let changedData = data.map { item -> JSON in
                    .object([
                        "path": .string(item.path), "state": .string(item.state == .missing ? "missing" : "modified"),
                    ])
                }
                console.line(
                    JSON.object([
                        "stale": .array(items), "stages": .int(plan.stages.count), "data": .array(changedData),
                    ])
                    .prettyText)
                if plan.hasConfigurationError { throw ExitCodes.invalid }
                if !stale.isEmpty || !data.isEmpty { throw ExitCodes.failure }
                return
            }
            for (stage, outcome) in stale {
                console.line("\(stage): \(Status.explain(outcome))")
            }
            for item in data {
                switch item.state {
                case .missing: console.line("\(item.path): tracked data is missing (`lepton pull` restores it)")
                case .unrecorded:
                    console.line(
                        "\(item.path): declared in data: but not recorded in \(TrackedData.fileName) yet (`lepton build` or `lepton add \(item.path)` records it)"
                    )
                default:
                    console.line(
                        "\(item.path): tracked data differs from \(TrackedData.fileName) (`lepton add \(item.path)` records it; `lepton pull` restores the recorded copy)"
                    )
                }
            }
            if !data.isEmpty && stale.isEmpty {
                if plan.hasConfigurationError { throw ExitCodes.invalid }
                throw ExitCodes.failure
            }
            if stale.isEmpty {
                console.line(
                    "everything is up to date (\(plan.stages.count) stage\(plan.stages.count == 1 ? "" : "s"))"
                )
                return
            }
            if plan.hasConfigurationError { throw ExitCodes.invalid }
            throw ExitCodes.failure
        }

        /// Whether the package tracks raw data (`Lepton.data` exists).
        static func tracksData(_ global: GlobalOptions) -> Bool { tracksData(global.location) }

        static func tracksData(_ location: PackageLocation) -> Bool {
            guard let workspace = try? PackageSession.findWorkspace(location) else { return false }
            return PosixFileSystem().exists(TrackedData.path(in: workspace))
        }

        /// Tracked paths whose workspace copy differs from `Lepton.data`.
        static func dataChanges(_ session: PackageSession, console: Console) throws -> [(
            path: String, state: DataTracker.State
        )] {
            do throws(LeptonError) {
                let tracked = try TrackedData.load(session.workspace)
                let unrecorded = session.pipeline.trackedData.filter { tracked.entries[$0] == nil }.map {
                    (path: $0, state: DataTracker.State.unrecorded)
                }
                return DataTracker(workspace: session.workspace).status(tracked).filter { $0.state != .unchanged }
                    + unrecorded
            } catch {
                console.error(console.red("error: ") + error.message)
                throw ExitCodes.invalid
            }
        }

        /// The line of a status the no-op snapshot answered.
        static func reportUpToDate(_ count: Int, console: Console) {
            console.line("everything is up to date (\(count) stage\(count == 1 ? "" : "s"))")
        }

        static func explain(_ outcome: StageOutcome) -> String {
            switch outcome {
            case .wouldRun(let reasons), .ran(let reasons):
                return reasons.map(\.description).joined(separator: "; ")
            case .wouldRestore(let reasons), .restored(let reasons, _):
                return reasons.map(\.description).joined(separator: "; ") + " (will be restored from the cache)"
            case .failed(let failure):
                return "cannot be checked: \(failure.message)"
            case .upToDate, .skipped:
                return "up to date"
            }
        }
    }
}

/// Collects warnings instead of printing them as they come.
final class CollectingObserver: BuildObserver {
    private let state = Mutex<[String]>([])
    var warnings: [String] { state.withLock { $0 } }
    func stageStarted(_ stage: String, restoring: Bool) {}
    func stageFinished(_ stage: String, outcome: StageOutcome, seconds: Double) {}
    func warning(_ message: String) { state.withLock { $0.append(message) } }
}
