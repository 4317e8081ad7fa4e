/// What happened to a stage in a build (or, in a dry run, what would happen).
public enum StageOutcome: Sendable, Equatable {
    /// Nothing changed; nothing was done.
    case upToDate
    /// Outputs were restored from the local or the remote cache instead of running.
    case restored(reasons: [RebuildReason], from: RestoreSource = .localCache)
    /// The command ran and succeeded.
    case ran(reasons: [RebuildReason])
    /// Dry run: the stage would be restored.
    case wouldRestore(reasons: [RebuildReason])
    /// Dry run: the stage would run (or may run, once upstream stages have).
    case wouldRun(reasons: [RebuildReason])
    /// The stage failed: its command failed, an output was missing, or it could not start.
    case failed(StageFailure)
    /// Not attempted because an upstream stage failed (or the build stopped).
    case skipped(because: String)

    /// Whether the stage is done and its outputs are in place: up to date, ran, or restored.
    public var isSuccess: Bool {
        switch self {
        case .upToDate, .ran, .restored: return true
        default: return false
        }
    }

    /// Whether the stage did or would do work.
    public var isStale: Bool {
        switch self {
        case .upToDate, .skipped: return false
        default: return true
        }
    }
}

/// Where a restored stage's outputs came from.
public enum RestoreSource: Sendable, Equatable {
    case localCache
    /// The remote cache: `bytes` downloaded; `deferred` when the outputs were left on the
    /// server because nothing in this build needs them in the workspace.
    case remote(bytes: Int64, deferred: Bool)
}

/// Why a stage failed, with the end of its log.
public struct StageFailure: Error, Sendable, Equatable {
    public var message: String
    /// The last lines of the stage's log.
    public var logTail: [String]
    /// The line of the log that says what went wrong, when it is not among ``logTail`` (see
    /// ``FirstErrorLine``).
    public var firstError: String?
    public var logPath: String?
    /// The stage succeeded but a quality gate on its metrics failed.
    public var isGateFailure = false
    /// The stage could not be decided because the pipeline's configuration is wrong (a missing
    /// input, a params file that does not parse): exit code 2, as for an invalid Leptonfile.
    public var isConfigurationError = false

    public init(message: String, logTail: [String] = [], logPath: String? = nil, firstError: String? = nil) {
        self.message = message
        self.logTail = logTail
        self.firstError = firstError.flatMap { logTail.contains($0) ? nil : $0 }
        self.logPath = logPath
    }
}

/// Receives build progress. The CLI's implementation prints; the engine never does.
public protocol BuildObserver: Sendable {
    /// A stage begins to run or restore.
    func stageStarted(_ stage: String, restoring: Bool)
    /// A stage is decided or finished.
    func stageFinished(_ stage: String, outcome: StageOutcome, seconds: Double)
    /// A warning worth telling (a damaged state file discarded, a racy cache, …).
    func warning(_ message: String)
    /// A line a running stage wrote (stdout or stderr); it is in the stage's log too.
    func stageOutput(_ stage: String, line: String)
}

extension BuildObserver {
    /// Observers that do not show stage output ignore it.
    public func stageOutput(_ stage: String, line: String) {}
}

/// The result of a whole build.
public struct BuildSummary: Sendable {
    /// Outcome per stage, in the order stages were decided.
    public var outcomes: [(stage: String, outcome: StageOutcome)]
    public var seconds: Double
    public var interrupted: Bool
    /// Seconds spent in each phase of the build, in order (for `--verbose`).
    public var phases: [(name: String, seconds: Double)] = []
    /// How long each stage that ran or was restored took, by name.
    public var durations: [String: Double] = [:]
    /// The record each stage that is up to date, ran or was restored has after this build, by
    /// name: what the run history records (never a record another build produced).
    public var records: [String: StageRecord] = [:]
    /// The record of each stage that is up to date on the no-op snapshot's word, as the lock
    /// holds it (JSON bytes): the build did not decode it (``StageDecision/vouched``).
    public var unreadRecords: [String: ArraySlice<UInt8>] = [:]
    /// The cluster job each stage that ran on a cluster ran as, by name.
    public var jobs: [String: String] = [:]

    public var failed: Bool {
        outcomes.contains { if case .failed = $0.outcome { return true } else { return false } }
    }

    public func outcome(of stage: String) -> StageOutcome? { outcomes.first { $0.stage == stage }?.outcome }
}
