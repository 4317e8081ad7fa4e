/// What to run for a stage.
public struct ProcessRequest: Sendable {
    /// The stage the process belongs to.
    public var stage: String
    /// The argument vector; `argv[0]` is looked up on `PATH` when it has no `/`.
    public var arguments: [String]
    /// The working directory (the package root).
    public var workingDirectory: String
    /// Variables added to the inherited environment.
    public var environment: [String: String]
    /// Inherited variables the process must not see (Lepton's own credentials, see
    /// ``StageEnvironment/withheld``).
    public var withheld: Set<String>
    /// Where standard output and standard error go.
    public var logPath: String
    /// Extra descriptors opened for writing in the child: descriptor number -> file path.
    public var extraOutputs: [Int32: String]
    /// Receives each complete line the process writes (stdout and stderr), as it comes.
    public var onOutput: (@Sendable (String) -> Void)?
    /// When set, the command runs under a supervisor that stops everything it started — even
    /// in process groups of their own, like a compiler driver's frontends — when it ends, when
    /// it is stopped (SIGTERM, then SIGKILL after this grace) and when Lepton dies.
    public var supervisedGrace: Duration?
    /// What the stage asked for: a cluster runner's job request (a local runner ignores it).
    public var resources: StageResources?
    /// Receives the id of the job a cluster runner submitted for the process (every attempt's).
    public var onSubmitted: (@Sendable (String) -> Void)?

    public init(
        stage: String, arguments: [String], workingDirectory: String, environment: [String: String], logPath: String,
        extraOutputs: [Int32: String] = [:], withheld: Set<String> = [], onOutput: (@Sendable (String) -> Void)? = nil,
        supervisedGrace: Duration? = nil, resources: StageResources? = nil,
        onSubmitted: (@Sendable (String) -> Void)? = nil
    ) {
        self.resources = resources
        self.onSubmitted = onSubmitted
        self.supervisedGrace = supervisedGrace
        self.withheld = withheld
        self.extraOutputs = extraOutputs
        self.onOutput = onOutput
        self.stage = stage
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.logPath = logPath
    }
}

/// How a process ended. A non-zero exit is a result, not an error.
public enum ProcessOutcome: Sendable, Equatable {
    /// The process exited with this status.
    case exited(Int32)
    /// The process was killed by this signal.
    case signaled(Int32)
    /// The process could not be started.
    case launchFailed(String)
    /// The executor ran it and says why it failed in its own terms (a cluster's job state:
    /// out of memory, time limit, node failure, cancelled).
    case failed(String)

    public var succeeded: Bool { self == .exited(0) }
}

/// Runs stage commands. The real one spawns processes; tests use a fake that records calls.
public protocol ProcessRunner: Sendable {
    /// Runs a process to completion; blocks the calling thread.
    func run(_ request: ProcessRequest) -> ProcessOutcome
    /// Stops every running process group: SIGTERM, a grace period, then SIGKILL.
    func terminateAll()
}
