import LeptonCore
import LeptonSystem

/// What `lepton status` was asked, as plain values: ``LeptonCommand/Status`` parses into it,
/// and a plain `lepton status` makes one without ArgumentParser.
struct StatusRequest {
    var location = PackageLocation()
    var stages: [String] = []
    var overrides: [String] = []
    var json = false

    func run() throws {
        let console = Console()
        // Tracked data no stage reads is outside the snapshot: with any, status looks itself.
        let workspace = try? PackageSession.findWorkspace(location)
        if stages.isEmpty && overrides.isEmpty, !LeptonCommand.Status.tracksData(workspace),
            let count = NoOpFastPath.check(location, workspace: workspace, console: console)
        {
            if json {
                console.line(JSON.object(["stale": .array([]), "stages": .int(count)]).prettyText)
                return
            }
            LeptonCommand.Status.reportUpToDate(count, console: console)
            return
        }
        let session = try PackageSession.open(location, workspace: workspace, console: console, overrides: overrides)
        let targets = try session.resolveTargets(stages)
        let collector = CollectingObserver()
        var options = BuildOptions(targets: targets, dryRun: true)
        if targets.isEmpty && overrides.isEmpty { options.snapshotContext = NoOpFastPath.context(of: session) }
        let plan = try BuildRun(session: session, options: options, verbose: false, observer: collector).plan()
        for warning in collector.warnings { console.error(console.yellow("warning: ") + warning) }
        let stale = plan.stale
        let data = try LeptonCommand.Status.dataChanges(session, console: console)
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
            console.line("\(stage): \(LeptonCommand.Status.explain(outcome))")
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
}
