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

/// The next command cleans up what a dead Lepton left.
struct RecoveryTests {
    private func pipeline(paramsFile: String = "params.yaml") -> PipelineDescription {
        PipelineDescription(
            name: "p", paramsFile: paramsFile,
            stages: [StageDescription(name: "train", command: .shell("x"), params: [ParameterSpec(key: "train.n_est")])]
        )
    }

    /// A pid that no process has any more.
    private func deadPid() -> pid_t {
        let package = TemporaryPackage()
        let runner = PosixProcessRunner(registry: RunningProcesses(path: package.root + "/running"))
        _ = runner.run(
            ProcessRequest(
                stage: "s", arguments: ["/bin/sh", "-c", "echo $$ > pid"], workingDirectory: package.root,
                environment: [:], logPath: package.root + "/log"))
        return pid_t((package.read("pid") ?? "").split(separator: "\n").first ?? "") ?? 999_999
    }

    @Test func overridesAreWrittenIntoTheParamsFileTheStageReadsAndPutBack() throws {
        let package = TemporaryPackage()
        let original = "# tuned by hand\ntrain:\n  n_est: 50\n  depth: 3\n"
        package.write("params.yaml", original)
        let overlay = ParamsOverlay(workspace: package.workspace)
        try overlay.apply(["train.n_est": "100"], pipeline: pipeline())
        let seen = try ParamsFile(path: "params.yaml", bytes: Array((package.read("params.yaml") ?? "").utf8))
        #expect(seen.value(at: "train.n_est").map(ParamsFile.canonical) == "100")
        #expect(seen.value(at: "train.depth").map(ParamsFile.canonical) == "3")
        #expect(overlay.recover().restored == ["params.yaml"])
        #expect(package.read("params.yaml") == original)
    }

    @Test func jsonParamsFilesAreOverlaidToo() throws {
        let package = TemporaryPackage()
        package.write("params.json", #"{"train": {"n_est": 50}}"#)
        let overlay = ParamsOverlay(workspace: package.workspace)
        try overlay.apply(["train.n_est": "100"], pipeline: pipeline(paramsFile: "params.json"))
        let seen = try ParamsFile(path: "params.json", bytes: Array((package.read("params.json") ?? "").utf8))
        #expect(seen.value(at: "train.n_est").map(ParamsFile.canonical) == "100")
        overlay.recover()
        #expect(package.read("params.json") == #"{"train": {"n_est": 50}}"#)
    }

    @Test func aKilledBuildsOverlayIsPutBackByTheNextCommandUnlessEdited() throws {
        let package = TemporaryPackage()
        package.write("params.yaml", "train:\n  n_est: 50\n")
        try ParamsOverlay(workspace: package.workspace).apply(["train.n_est": "100"], pipeline: pipeline())
        // (killed here)
        let report = WorkspaceRecovery(workspace: package.workspace).run(outputs: [])
        #expect(report.restoredParamsFiles == ["params.yaml"])
        #expect(package.read("params.yaml") == "train:\n  n_est: 50\n")

        try ParamsOverlay(workspace: package.workspace).apply(["train.n_est": "100"], pipeline: pipeline())
        package.write("params.yaml", "train:\n  n_est: 70\n")  // the user's edit meanwhile
        let second = WorkspaceRecovery(workspace: package.workspace).run(outputs: [])
        #expect(second.keptParamsFiles == ["params.yaml"])
        #expect(package.read("params.yaml") == "train:\n  n_est: 70\n")
    }

    @Test func temporariesOfDeadWritersAreRemovedAndLiveOnesKept() {
        let package = TemporaryPackage()
        let dead = deadPid()
        package.write(".Lepton.lock.lepton-tmp.\(dead).42", "torn")
        package.write("models/.model.bin.lepton-tmp.\(dead).7", "torn")
        package.write(".Lepton.lock.lepton-tmp.\(getpid()).1", "mine")
        package.write(".hidden-user-file", "keep")
        let report = WorkspaceRecovery(workspace: package.workspace).run(outputs: ["models/model.bin"])
        #expect(report.removedTemporaries == 2)
        #expect(!package.exists(".Lepton.lock.lepton-tmp.\(dead).42"))
        #expect(!package.exists("models/.model.bin.lepton-tmp.\(dead).7"))
        #expect(package.exists(".Lepton.lock.lepton-tmp.\(getpid()).1"))
        #expect(package.exists(".hidden-user-file"))
    }

    @Test func outputFoldersAreSearchedOnlyAfterALockHolderDied() throws {
        let package = TemporaryPackage()
        let dead = deadPid()
        package.write("models/.model.bin.lepton-tmp.\(dead).7", "torn")
        do {
            let lock = try WorkspaceLock(workspace: package.workspace, command: "test", outputs: ["models/model.bin"]) {
                _ in
            }
            #expect(lock.recovery.removedTemporaries == 0)  // released cleanly last time: not searched
        }
        #expect(!package.exists(".lepton/lock-held"))
        package.write(".lepton/lock-held", "\(dead)\n")  // a holder killed with the lock held
        let lock = try WorkspaceLock(workspace: package.workspace, command: "test", outputs: ["models/model.bin"]) {
            _ in
        }
        #expect(lock.recovery.removedTemporaries == 1)
        #expect(!package.exists("models/.model.bin.lepton-tmp.\(dead).7"))
    }

    @Test func aDeadSweepsCopiesAreRemovedWithoutTouchingTheSharedCache() throws {
        let package = TemporaryPackage()
        let workspace = package.workspace
        try workspace.prepare()
        package.write(".lepton/cache/objects/ab/cdef", "object")
        package.write(".lepton/sweep/owner", "\(deadPid())\n")
        package.write(".lepton/sweep/0/params.yaml", "x: 1\n")
        try PosixFileSystem().createDirectories(package.root + "/.lepton/sweep/0/.lepton")
        symlink(workspace.cacheDirectory, package.root + "/.lepton/sweep/0/.lepton/cache")
        #expect(WorkspaceRecovery(workspace: workspace).run(outputs: []).removedSweepCopies)
        #expect(!package.exists(".lepton/sweep"))
        #expect(package.exists(".lepton/cache/objects/ab/cdef"))
    }

    /// Starts `sleep 30` as a stage recorded in `registry`, on another thread; returns the
    /// registry's line for it and a wait for the run's outcome.
    private func startSleeper(_ registry: RunningProcesses, in package: TemporaryPackage) -> (
        line: String, outcome: () -> ProcessOutcome?
    ) {
        let runner = PosixProcessRunner(registry: registry)
        let started = SystemClock().monotonicNow()
        let outcome = Mutex<ProcessOutcome?>(nil)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let result = runner.run(
                ProcessRequest(
                    stage: "train", arguments: ["/bin/sh", "-c", "sleep 30 & wait"], workingDirectory: package.root,
                    environment: [:], logPath: package.root + "/log"))
            outcome.withLock { $0 = result }
            finished.signal()
        }
        var entries: [String] = []
        while entries.isEmpty && SystemClock().monotonicNow() - started < 5_000_000_000 {
            entries = (try? PosixFileSystem().readText(registry.path))?.split(separator: "\n").map(String.init) ?? []
            usleep(10_000)
        }
        return (
            entries.first ?? "",
            {
                finished.wait(); return outcome.withLock { $0 }
            }
        )
    }

    @Test func stageGroupsADeadBuildLeftRunningAreStopped() throws {
        let package = TemporaryPackage()
        let registry = RunningProcesses(path: package.root + "/running")
        // A stage that keeps running: started in its own group, recorded, never reaped here.
        let started = SystemClock().monotonicNow()
        let (line, outcome) = startSleeper(registry, in: package)
        #expect(line.hasPrefix("s "))
        // The start time is the clock-tick range the spawn ran in, and the kernel's own start
        // time of the process lies in it (it is no longer read from /proc at each spawn).
        let fields = line.split(separator: " ")
        let bounds = fields.count == 4 ? fields[2].split(separator: "-").compactMap { UInt64($0) } : []
        let pid = fields.count == 4 ? pid_t(fields[1]) ?? 0 : 0
        #expect(bounds.count == 2)
        if bounds.count == 2 { #expect((bounds[0]...bounds[1]).contains(lepton_process_start_time(pid))) }
        #expect(registry.stopLeftovers() == ["train"])
        #expect(outcome() == .signaled(SIGKILL))
        #expect(SystemClock().monotonicNow() - started < 20_000_000_000)
    }

    @Test func aRecordedGroupWhoseLeaderIsAnotherProcessNowIsLeftAlone() throws {
        let package = TemporaryPackage()
        let live = RunningProcesses(path: package.root + "/live")
        let (line, outcome) = startSleeper(live, in: package)
        let pid = line.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        #expect(!pid.isEmpty)
        // A dead build's record of the same pid from another time (a reused pid), in the old
        // exact form and in the range form.
        let stale = RunningProcesses(path: package.root + "/stale")
        package.write("stale", "s \(pid) 1 old\ns \(pid) 2-3 older\n")
        #expect(stale.stopLeftovers() == [])
        #expect(kill(-(pid_t(pid) ?? 0), 0) == 0)
        // The exact form still names the process when it matches.
        let exact = RunningProcesses(path: package.root + "/exact")
        package.write("exact", "s \(pid) \(lepton_process_start_time(pid_t(pid) ?? 0)) train\n")
        #expect(exact.stopLeftovers() == ["train"])
        #expect(outcome() == .signaled(SIGKILL))
    }
}
