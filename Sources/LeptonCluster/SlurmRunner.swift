import LeptonCore
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs stages as Slurm jobs: each request becomes a batch script submitted with `sbatch` and
/// the stage's resources; one ``SlurmQueue`` watches every job; the job's output file is the
/// stage's log (the submit host and the nodes share the package's file system, the Slurm norm),
/// read as it grows for the prefixed output; the outcome is the job's, in Slurm's words when
/// Slurm ended it (out of memory, time limit, node failure, cancelled). Jobs that end with their
/// node are submitted again up to ``SlurmSettings/retries`` times. ``terminateAll()`` cancels
/// every job it submitted; a ledger (`.lepton/slurm-jobs`) lets the next build cancel the jobs
/// of a Lepton that was killed.
public final class SlurmRunner: ClusterRunner {
    public let kind = ExecutorKind.slurm
    let settings: SlurmSettings
    let workspace: Workspace
    let command: SlurmCommand
    let queue: SlurmQueue
    let ledger: SlurmLedger
    private let fileSystem = PosixFileSystem()
    private let active = Mutex<Set<String>>([])
    private let cancelled = Atomic<Bool>(false)
    /// Jobs submitted, every attempt counted (for tests and benchmarks).
    public let submitted = Atomic<Int>(0)

    public init(settings: SlurmSettings, workspace: Workspace) {
        self.settings = settings
        self.workspace = workspace
        var environment: [String: String] = [:]
        if let configuration = settings.configuration { environment["SLURM_CONF"] = configuration }
        command = SlurmCommand(scratch: workspace.stateDirectory + "/slurm", environment: environment)
        queue = SlurmQueue(command: command, settings: settings)
        ledger = SlurmLedger(workspace: workspace)
    }

    /// How many queue queries the runner made.
    public var queries: Int { queue.queries.load(ordering: .relaxed) }

    public func run(_ request: ProcessRequest) -> ProcessOutcome {
        var attempt = 0
        while true {
            if cancelled.load(ordering: .relaxed) { return .signaled(SIGTERM) }
            let job: String
            switch submit(request) {
            case .failure(let failure): return .launchFailed(failure.message)
            case .success(let id): job = id
            }
            let (state, overMemory) = wait(for: job, request: request)
            let outcome = SlurmRunner.outcome(of: state, job: job, overMemory: overMemory, resources: request.resources)
            if let state, SlurmJobState.retriable.contains(state.state), attempt < settings.retries,
                !cancelled.load(ordering: .relaxed)
            {
                attempt += 1
                request.onOutput?(
                    "lepton: Slurm job \(job) ended \(state.state); submitting it again (retry \(attempt) of \(settings.retries))"
                )
                continue
            }
            if cancelled.load(ordering: .relaxed), state?.state == "CANCELLED" { return .signaled(SIGTERM) }
            return outcome
        }
    }

    public func terminateAll() {
        cancelled.store(true, ordering: .relaxed)
        let jobs = active.withLock { Array($0) }.sorted()
        guard !jobs.isEmpty else { return }
        _ = command.run([settings.command("scancel")] + jobs)
    }

    public func recoverLeftovers() -> [String] {
        guard ledger.exists else { return [] }
        let tag = ledger.tag
        let listed = command.run([
            settings.command("squeue"), "--me", "--noheader", "--states=PENDING,RUNNING,CONFIGURING,SUSPENDED,REQUEUED",
            "--Format=JobID:|,Comment:|,Name:|",
        ])
        guard listed.succeeded else {
            return [
                "a build that was stopped left Slurm jobs, and the queue cannot be read to cancel them: \(listed.lines.last.map(String.init) ?? "no output")"
            ]
        }
        var jobs: [(id: String, name: String)] = []
        for line in listed.lines {
            if let fields = SlurmJobState.fields(line, count: 3), fields[1].hasPrefix(tag) {
                jobs.append((fields[0], fields[2]))
            }
        }
        ledger.clear()
        guard !jobs.isEmpty else { return [] }
        _ = command.run([settings.command("scancel")] + jobs.map(\.id))
        return [
            "cancelled \(jobs.count) Slurm job(s) a stopped build left running: "
                + jobs.map { "\($0.id) (\($0.name))" }.joined(separator: ", ")
        ]
    }

    /// Writes the batch script and submits it; the job id.
    private func submit(_ request: ProcessRequest) -> Result<String, SubmitFailure> {
        let script = workspace.stateDirectory + "/slurm/\(request.stage).sh"
        let batch = SlurmBatchScript(request: request, settings: settings, tag: ledger.tag)
        do throws(LeptonError) {
            try fileSystem.createDirectories(workspace.stateDirectory + "/slurm")
            if let parent = RelativePath.parent(request.logPath) { try fileSystem.createDirectories(parent) }
            // The job writes the log afresh; an old one must not be read as this job's.
            if fileSystem.exists(request.logPath) { try fileSystem.remove(request.logPath) }
            try fileSystem.writeAtomically(Array(batch.script.utf8), to: script, mode: 0o755, durable: false)
            try ledger.open()
        } catch {
            return .failure(SubmitFailure(message: error.message))
        }
        let output = command.run([settings.command("sbatch")] + batch.arguments + [script])
        guard output.succeeded,
            let id = output.lines.last.map({ String($0.split(separator: ";").first ?? $0) }),
            !id.isEmpty, id.allSatisfy(\.isNumber)
        else {
            let said = output.lines.map(String.init).joined(separator: "; ")
            return .failure(
                SubmitFailure(
                    message:
                        "sbatch could not submit the job: \(said.isEmpty ? "no output (\(output.outcome))" : said)"))
        }
        submitted.add(1, ordering: .relaxed)
        active.withLock { _ = $0.insert(id) }
        queue.watch(id)
        request.onSubmitted?("slurm:\(id)")
        request.onOutput?("lepton: submitted as Slurm job \(id)")
        // A cancel that raced with the submission must still reach this job.
        if cancelled.load(ordering: .relaxed) { _ = command.run([settings.command("scancel"), id]) }
        return .success(id)
    }

    private struct SubmitFailure: Error {
        var message: String
    }

    /// Waits for the job to end, passing each line its output file gains to the request; the
    /// last state, and whether Slurm's step daemon wrote that it killed the job for its memory.
    private func wait(for job: String, request: ProcessRequest) -> (SlurmJobState?, Bool) {
        var log = SlurmLogFollower(path: request.logPath)
        defer {
            queue.forget(job)
            active.withLock { _ = $0.remove(job) }
            if active.withLock({ $0.isEmpty }) { ledger.clear() }
        }
        while true {
            let state = queue.next(job)
            log.follow(request.onOutput)
            if let state, state.isTerminal {
                log.finish(request.onOutput)
                return (state, log.sawMemoryKill)
            }
        }
    }

    /// What a job's end means for the stage.
    static func outcome(of state: SlurmJobState?, job: String, overMemory: Bool, resources: StageResources?)
        -> ProcessOutcome
    {
        guard let state else { return .failed("Slurm job \(job): its state could not be read") }
        let status = (state.waitStatus >> 8) & 0xFF
        let signal = state.waitStatus & 0x7F
        let memory = resources?.memoryMiB.map { " (--mem=\($0)M)" } ?? ""
        let time = resources?.timeSeconds.map { " (--time=\(SlurmBatchScript.time($0)))" } ?? ""
        if state.state == "OUT_OF_MEMORY" || (overMemory && state.state != "COMPLETED") {
            return .failed("Slurm job \(job) ran out of memory: OUT_OF_MEMORY, it used more than it asked for\(memory)")
        }
        switch state.state {
        case "COMPLETED":
            return status == 0 ? .exited(0) : .exited(status)
        case "FAILED":
            if signal != 0 { return .failed("Slurm job \(job) FAILED: the command was killed by signal \(signal)") }
            return .failed("Slurm job \(job) FAILED: the command exited with status \(status)")
        case "TIMEOUT", "DEADLINE":
            return .failed("Slurm job \(job) hit its time limit: \(state.state)\(time)")
        case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED":
            return .failed("Slurm job \(job) ended with its node: \(state.state)")
        case "CANCELLED":
            return .failed("Slurm job \(job) was CANCELLED outside Lepton (scancel, or an administrator)")
        case "VANISHED":
            return .failed("Slurm job \(job) left the queue and no accounting records how it ended")
        default:
            return .failed("Slurm job \(job) ended \(state.state)\(state.reason.isEmpty ? "" : " (\(state.reason))")")
        }
    }
}
