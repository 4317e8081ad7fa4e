import ArgumentParser
import LeptonCore
import LeptonSystem

/// What `lepton build` was asked to do, as plain values: ``LeptonCommand/Build`` parses into
/// it, and a plain `lepton`, `lepton build` or `lepton build -j N` builds one without
/// ArgumentParser (whose reflection over the command's options cost a tenth of a small
/// pipeline's build).
struct BuildRequest {
    var location = PackageLocation()
    var stages: [String] = []
    var jobs: Int?
    var dryRun = false
    var force: [String] = []
    var keepGoing = false
    var quiet = false
    var overrides: [String] = []
    var remote = RemoteChoice()
    var upload = false
    var executor = ExecutorChoice()
    var remoteDownloadAll = false
    var summaryJSON: String?

    func run() throws {
        let console = Console()
        let started = SystemClock().monotonicNow()
        let workspace = try? PackageSession.findWorkspace(location)
        if stages.isEmpty && force.isEmpty && overrides.isEmpty && summaryJSON == nil && !remote.required,
            let count = NoOpFastPath.check(location, workspace: workspace, console: console)
        {
            let seconds = Double(SystemClock().monotonicNow() - started) / 1e9
            if location.verbose { console.error(console.dim("the no-op snapshot of the last build holds")) }
            LeptonCommand.Build.reportNoOp(count, seconds: seconds, console: console)
            return
        }
        let session = try PackageSession.open(location, workspace: workspace, console: console, overrides: overrides)
        let targets = try session.resolveTargets(stages)
        let forced = try session.resolveTargets(force)
        var options = BuildOptions(
            targets: targets, force: Set(forced), dryRun: dryRun, jobs: jobs ?? SystemCores.count,
            keepGoing: keepGoing
        )
        try executor.configure(&options, jobs: jobs, session: session)
        if !dryRun && !session.pipeline.trackedData.isEmpty { try LeptonCommand.Build.recordDeclaredData(session) }
        // The snapshot's context does not hold overrides: a build with --set writes none (and
        // reads none). A dry run reads it to decide only what changed.
        if targets.isEmpty && overrides.isEmpty {
            options.snapshotContext = NoOpFastPath.context(of: session)
        }
        if !session.pipeline.gates.isEmpty || session.pipeline.stages.contains(where: { !$0.gates.isEmpty }) {
            options.gateBaseline = RunHistory(workspace: session.workspace).lastSuccessfulMetrics()
        }
        let remoteObserver = ConsoleRemoteObserver(console: console)
        if !dryRun {
            options.remote = try remote.open(
                workspace: session.workspace, console: console, observer: remoteObserver,
                uploads: upload)
            options.remoteDownloadAll = remoteDownloadAll
        }
        let startedAt = SystemClock().fileTimeNow()
        let summary = try BuildRun(session: session, options: options, verbose: location.verbose, quiet: quiet)
            .execute()
        var runID: String?
        if !dryRun, let id = RunRecorder.record(summary, session: session, started: startedAt) {
            console.line(console.dim("run \(id) recorded ('lepton runs show \(id)')"))
            runID = id
        }
        if let remote = options.remote { console.line(console.dim(RemoteReport.line(remote))) }
        if let summaryJSON {
            let file = BuildSummaryFile(
                summary: summary, exitCode: BuildRun.exitCode(of: summary).rawValue, run: runID,
                remote: options.remote)
            do throws(LeptonError) {
                try file.write(to: PackageSession.absolutePath(summaryJSON))
            } catch {
                console.error(console.red("error: ") + error.message)
            }
        }
        try remote.checkStillAvailable(options.remote, console: console)
        if location.verbose {
            for phase in summary.phases {
                console.error(console.dim("\(phase.name): \(Format.duration(phase.seconds))"))
            }
        }
        try BuildRun.report(summary, console: console, dryRun: dryRun)
    }
}
