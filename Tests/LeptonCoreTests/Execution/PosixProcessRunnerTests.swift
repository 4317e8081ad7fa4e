import CLeptonSpawn
import Dispatch
import LeptonCore
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Collects the lines a process writes.
private final class Lines: Sendable {
    private let state = Mutex<[String]>([])
    var all: [String] { state.withLock { $0 } }
    func add(_ line: String) { state.withLock { $0.append(line) } }
}

struct PosixProcessRunnerTests {
    private func request(_ package: TemporaryPackage, _ script: String, lines: Lines? = nil) -> ProcessRequest {
        var onOutput: (@Sendable (String) -> Void)?
        if let lines { onOutput = { line in lines.add(line) } }
        return ProcessRequest(
            stage: "s", arguments: ["/bin/sh", "-c", script], workingDirectory: package.root,
            environment: ["GREETING": "hi"],
            logPath: package.root + "/s.log", onOutput: onOutput)
    }

    /// A child resets only the dispositions that are not the default (not all 64): a signal
    /// Lepton ignores must still be the default in the stage.
    @Test func aStageStartsWithDefaultSignalHandlingWhateverLeptonIgnores() {
        let package = TemporaryPackage()
        signal(SIGUSR2, SIG_IGN)
        lepton_spawn_dispositions_changed()
        defer {
            signal(SIGUSR2, SIG_DFL)
            lepton_spawn_dispositions_changed()
        }
        let outcome = PosixProcessRunner().run(
            ProcessRequest(
                stage: "s", arguments: ["/bin/sh", "-c", "exec grep -E '^SigIgn' /proc/self/status > ignored"],
                workingDirectory: package.root, environment: [:], logPath: package.root + "/log"))
        #expect(outcome == .exited(0))
        let mask = (package.read("ignored") ?? "").split(separator: "\t").last.flatMap {
            UInt64($0.trimmingPrefix(while: { $0 == " " }).prefix(16), radix: 16)
        }
        // glibc keeps signals 32 and 33 to itself (no `signal()` can change them).
        #expect(mask.map { $0 & ~(UInt64(3) << 31) } == 0)
    }

    @Test func streamsEveryLineAndWritesTheLog() {
        let package = TemporaryPackage()
        let lines = Lines()
        let outcome = PosixProcessRunner().run(
            request(package, "echo $GREETING; echo err >&2; pwd; printf tail", lines: lines))
        #expect(outcome == .exited(0))
        let root = PosixFileSystem().realPath(package.root) ?? package.root
        #expect(lines.all == ["hi", "err", root, "tail"])
        #expect(package.read("s.log") == "hi\nerr\n\(root)\ntail")
    }

    /// A stage's environment is Lepton's own without the withheld names, with the stage's
    /// variables replacing Lepton's of the same name (once each), and follows `setenv` and
    /// `unsetenv` made after an earlier stage started (the parsed names are reused only while
    /// `environ` holds the same entries).
    @Test func theEnvironmentFollowsLeptonsOwnAndTheStagesVariables() {
        let package = TemporaryPackage()
        let probe = "LEPTON_ENV_PROBE_\(getpid())"
        func environment(withheld: Set<String> = []) -> [String] {
            let lines = Lines()
            var request = request(package, "env", lines: lines)
            request.environment = ["GREETING": "hi", "HOME": "/stage-home"]
            request.withheld = withheld
            #expect(PosixProcessRunner().run(request) == .exited(0))
            return lines.all.filter { $0.hasPrefix(probe) || $0.hasPrefix("HOME=") || $0.hasPrefix("GREETING=") }
                .sorted()
        }
        setenv(probe + "_A", "1", 1)
        defer {
            unsetenv(probe + "_A")
            unsetenv(probe + "_B")
        }
        #expect(environment(withheld: [probe + "_A"]) == ["GREETING=hi", "HOME=/stage-home"])
        setenv(probe + "_B", "2", 1)
        #expect(environment() == ["GREETING=hi", "HOME=/stage-home", probe + "_A=1", probe + "_B=2"])
        setenv(probe + "_B", "3", 1)
        unsetenv(probe + "_A")
        #expect(environment() == ["GREETING=hi", "HOME=/stage-home", probe + "_B=3"])
    }

    /// A stage that prints a prompt without a newline and waits (SwiftPM's "Another instance of
    /// SwiftPM … waiting") must show it, not sit silent: the partial line arrives while the stage
    /// still runs. Here the stage waits for a file the test creates only when the line arrives.
    @Test func aPartialLineIsShownWhileTheStageWaits() {
        let package = TemporaryPackage()
        let lines = Lines()
        let root = package.root
        var request = request(
            package,
            "printf 'waiting for the lock'; i=0; while [ ! -f go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo; echo done"
        )
        request.onOutput = { line in
            lines.add(line)
            if line == "waiting for the lock" { package.write("go", "") }
        }
        let outcome = PosixProcessRunner().run(request)
        #expect(outcome == .exited(0))
        #expect(PosixFileSystem().exists(root + "/go"), "the partial line did not arrive while the stage waited")
        #expect(lines.all == ["waiting for the lock", "done"])
        #expect(package.read("s.log") == "waiting for the lock\ndone\n")
    }

    @Test func aNonZeroExitIsAResult() {
        let package = TemporaryPackage()
        #expect(PosixProcessRunner().run(request(package, "exit 3")) == .exited(3))
        #expect(PosixProcessRunner().run(request(package, "kill -9 $$")) == .signaled(9))
    }

    @Test func aDetachedBackgroundProcessHoldingThePipeDoesNotHangTheBuild() {
        let package = TemporaryPackage()
        let lines = Lines()
        let clock = SystemClock()
        let start = clock.monotonicNow()
        let outcome = PosixProcessRunner().run(
            request(package, "setsid sh -c 'sleep 3; true' & sleep 0.3; echo started", lines: lines))
        let seconds = Double(clock.monotonicNow() - start) / 1e9
        #expect(outcome == .exited(0))
        #expect(lines.all == ["started"])
        // The detached shell keeps the pipe open: the reader gives up a second after the exit.
        #expect(seconds >= 1 && seconds < 3, "took \(seconds) s")
    }

    @Test func childrenInheritOnlyTheirStandardDescriptors() {
        let package = TemporaryPackage()
        let lines = Lines()
        // The shell's descriptors, listed by a child (whose own directory handle is not among them).
        _ = PosixProcessRunner().run(request(package, "ls /proc/$$/fd; true", lines: lines))
        #expect(lines.all.sorted() == ["0", "1", "2"])
    }

    /// A supervised command (the Leptonfile's compiler and evaluation) leaves nothing behind, not
    /// even a process that moved to a session and group of its own, and keeps its exit status.
    @Test func aSupervisedCommandLeavesNoProcessBehind() throws {
        let package = TemporaryPackage()
        var supervised = request(package, "setsid sleep 30 & echo $! > sleeper.pid; sleep 0.2; exit 3")
        supervised.supervisedGrace = .zero
        #expect(PosixProcessRunner().run(supervised) == .exited(3))
        let sleeper = try #require(Int32((package.read("sleeper.pid") ?? "").filter(\.isNumber)))
        // Before: `setsid` left the sleeper running with parent 1 after the command ended.
        #expect(eventually(within: 1) { kill(sleeper, 0) != 0 })
        var failing = request(package, "exec /no/such/program")
        failing.supervisedGrace = .zero
        #expect(PosixProcessRunner().run(failing) == .exited(127))
        var missing = request(package, "")
        missing.arguments = ["/no/such/program"]
        missing.supervisedGrace = .zero
        guard case .launchFailed = PosixProcessRunner().run(missing) else {
            Issue.record("a missing program must not launch")
            return
        }
    }

    /// Stopping a supervised command stops it at once and reports the signal.
    @Test func stoppingASupervisedCommandReportsTheSignal() {
        let package = TemporaryPackage()
        var supervised = request(package, "sleep 30")
        supervised.supervisedGrace = .zero
        let runner = PosixProcessRunner(gracePeriod: .seconds(5))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { runner.terminateAll() }
        let clock = SystemClock()
        let started = clock.monotonicNow()
        #expect(runner.run(supervised) == .signaled(SIGTERM))
        #expect(clock.monotonicNow() - started < 4_000_000_000)
    }

    /// A stage that prints nothing leaves no log (and none of an earlier run); one that prints
    /// gets its output there.
    @Test func aQuietStageLeavesNoLog() {
        let package = TemporaryPackage()
        package.write("s.log", "an earlier run's output\n")
        #expect(PosixProcessRunner().run(request(package, "true", lines: Lines())) == .exited(0))
        #expect(!package.exists("s.log"))
        #expect(PosixProcessRunner().run(request(package, "echo said", lines: Lines())) == .exited(0))
        #expect(package.read("s.log") == "said\n")
    }

    @Test func aMissingProgramCannotLaunch() {
        let package = TemporaryPackage()
        let outcome = PosixProcessRunner().run(
            ProcessRequest(
                stage: "s", arguments: ["no-such-program-lepton"], workingDirectory: package.root, environment: [:],
                logPath: package.root + "/s.log"))
        guard case .launchFailed(let message) = outcome else {
            Issue.record("expected a launch failure, got \(outcome)")
            return
        }
        #expect(message.contains("no-such-program-lepton"))
    }
}
