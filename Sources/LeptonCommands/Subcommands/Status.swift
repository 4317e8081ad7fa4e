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
            try StatusRequest(location: global.location, stages: stages, overrides: overrides, json: json).run()
        }

        /// Whether the package tracks raw data (`Lepton.data` exists).
        static func tracksData(_ workspace: Workspace?) -> Bool {
            guard let workspace else { return false }
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
