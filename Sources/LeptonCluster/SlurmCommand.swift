import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one of Slurm's client commands (`sbatch`, `squeue`, `scancel`, `sacct`) and reads what
/// it printed, standard output and error together. Lepton's credentials are withheld from them:
/// `sbatch` exports its environment into the job, and the job record lives on the cluster.
struct SlurmCommand: Sendable {
    /// Where the commands' output goes while they run (`.lepton/slurm`).
    let scratch: String
    /// Variables every client command gets (`SLURM_CONF` from the settings).
    let environment: [String: String]
    private let runner = PosixProcessRunner(gracePeriod: .seconds(2))
    private let fileSystem = PosixFileSystem()
    private static let counter = Atomic<Int>(0)

    init(scratch: String, environment: [String: String]) {
        self.scratch = scratch
        self.environment = environment
    }

    /// What a command printed and how it ended.
    struct Output: Sendable {
        var outcome: ProcessOutcome
        var text: String

        var succeeded: Bool { outcome.succeeded }
        /// The lines, without empty ones.
        var lines: [Substring] { text.split(separator: "\n") }
    }

    func run(_ arguments: [String]) -> Output {
        let number = SlurmCommand.counter.add(1, ordering: .relaxed).newValue
        let log = "\(scratch)/client-\(getpid())-\(number).out"
        try? fileSystem.createDirectories(scratch)
        let outcome = runner.run(
            ProcessRequest(
                stage: "slurm", arguments: arguments, workingDirectory: scratch, environment: environment,
                logPath: log, withheld: StageEnvironment.withheld))
        let text = (try? fileSystem.readText(log)) ?? ""
        try? fileSystem.remove(log)
        return Output(outcome: outcome, text: text)
    }
}
