import CLeptonSpawn
import LeptonSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Spawns commands with clone + exec in C (about 1 ms each, against 50 ms for Foundation's
/// `Process.waitUntilExit`), each in its own process group so that cancelling a stage stops
/// everything it started, and on Linux with `PR_SET_PDEATHSIG`, so a killed Lepton takes its
/// stages with it. Each running group is also recorded in a ``RunningProcesses`` file when one
/// is given, so the next build stops whatever a dead build's stages left running.
public final class PosixProcessRunner: ProcessRunner {
    private let running = Mutex<Set<pid_t>>([])
    private let cancelled = Atomic<Bool>(false)
    /// How long a process group gets between SIGTERM and SIGKILL.
    let gracePeriod: Duration

    /// Where running groups are recorded, if anywhere.
    let registry: RunningProcesses?

    /// Whether simple shell lines run without a shell (``DirectCommand``); off with
    /// `LEPTON_ALWAYS_SHELL=1`.
    let runsWithoutShell: Bool

    public init(
        gracePeriod: Duration = .seconds(5), registry: RunningProcesses? = nil,
        runsWithoutShell: Bool = Environment.value("LEPTON_ALWAYS_SHELL") != "1"
    ) {
        self.gracePeriod = gracePeriod
        self.registry = registry
        self.runsWithoutShell = runsWithoutShell
    }

    public func run(_ request: ProcessRequest) -> ProcessOutcome {
        if cancelled.load(ordering: .relaxed) { return .signaled(SIGTERM) }
        let pid: pid_t
        var stream: OutputStream?
        if request.onOutput != nil {
            guard let opened = OutputStream(logPath: request.logPath) else {
                return .launchFailed("cannot open the log '\(request.logPath)'")
            }
            stream = opened
        }
        let spawning = lepton_boot_ticks()
        switch spawn(request, outputDescriptor: stream?.writeEnd) {
        case .failure(let failure):
            stream?.abandon()
            return .launchFailed(failure.message)
        case .success(let spawned): pid = spawned
        }
        running.withLock { _ = $0.insert(pid) }
        registry?.started(pid, stage: request.stage, ticks: spawning...max(spawning, lepton_boot_ticks()))
        // A cancel that raced with the spawn must still reach this group.
        if cancelled.load(ordering: .relaxed) { kill(-pid, SIGTERM) }
        var status: Int32 = 0
        if let stream, let onOutput = request.onOutput {
            status = stream.pump(child: pid, onLine: onOutput)
        } else {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        running.withLock { _ = $0.remove(pid) }
        // Reap anything the stage left behind in its group.
        kill(-pid, SIGKILL)
        registry?.ended(pid)
        let signal = status & 0x7F
        if signal == 0 { return .exited((status >> 8) & 0xFF) }
        return .signaled(signal)
    }

    public func terminateAll() {
        cancelled.store(true, ordering: .relaxed)
        let groups = running.withLock { $0 }
        // Descendants in process groups of their own (a compiler's frontends) are stopped too;
        // found before the signal, since they are reparented once their parent dies.
        let descendants = ProcessTree.descendants(of: groups)
        for pid in groups { kill(-pid, SIGTERM) }
        ProcessTree.signal(descendants, SIGTERM)
        let grace = gracePeriod
        let box = UnsafeSendableBox(self)
        DetachedThread.detach {
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline {
                if box.value.running.withLock({ $0.isEmpty }) { break }
                usleep(20_000)
            }
            for pid in box.value.running.withLock({ $0 }) { kill(-pid, SIGKILL) }
            ProcessTree.signal(descendants, SIGKILL)
        }
    }

    private func spawn(_ request: ProcessRequest, outputDescriptor: Int32?) -> Result<pid_t, SpawnFailure> {
        guard let program = request.arguments.first else { return .failure(SpawnFailure("empty command")) }
        let extras = request.extraOutputs.sorted { $0.key < $1.key }
        var pid: pid_t = 0
        let supervisedGrace = request.supervisedGrace.map { Int32($0 / .milliseconds(1)) } ?? -1
        let direct = runsWithoutShell ? DirectCommand(shellArguments: request.arguments) : nil
        var environment = request.environment
        // The shell sets PWD to its working directory; the program run in its place sees it too.
        if direct != nil { environment["PWD"] = request.workingDirectory }
        let redirections = direct?.redirections ?? []
        let result = withCStrings(direct?.arguments ?? request.arguments) { argv in
            StageProcessEnvironment.with(environment, withheld: request.withheld) { envp in
                withCStrings(extras.map(\.value) + redirections.map(\.path)) { paths in
                    let descriptors = extras.map(\.key) + redirections.map(\.descriptor)
                    let flags = redirections.map(\.flags)
                    return descriptors.withUnsafeBufferPointer { fds in
                        flags.withUnsafeBufferPointer { flagsBuffer in
                            argv.withUnsafeBufferPointer { argvBuffer in
                                envp.withUnsafeBufferPointer { envpBuffer in
                                    paths.withUnsafeBufferPointer { pathsBuffer in
                                        let extraPaths = UnsafeRawPointer(pathsBuffer.baseAddress)?
                                            .assumingMemoryBound(to: UnsafePointer<CChar>?.self)
                                        return lepton_spawn(
                                            UnsafeRawPointer(argvBuffer.baseAddress)?.assumingMemoryBound(
                                                to: UnsafePointer<CChar>?.self),
                                            UnsafeRawPointer(envpBuffer.baseAddress)?.assumingMemoryBound(
                                                to: UnsafePointer<CChar>?.self),
                                            request.workingDirectory, outputDescriptor ?? -1, request.logPath,
                                            fds.baseAddress, extraPaths, Int32(extras.count),
                                            fds.baseAddress.map { $0 + extras.count },
                                            extraPaths.map { $0 + extras.count },
                                            flagsBuffer.baseAddress, Int32(redirections.count), direct == nil ? 0 : 1,
                                            supervisedGrace, &pid)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if result != 0 {
            return .failure(SpawnFailure("cannot run '\(program)': \(String(cString: strerror(result)))"))
        }
        return .success(pid)
    }
}

struct SpawnFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Result where Failure == SpawnFailure {
    static func failure(_ message: String) -> Result { .failure(SpawnFailure(message)) }
}

struct UnsafeSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Calls `body` with a NULL-terminated array of C strings.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
