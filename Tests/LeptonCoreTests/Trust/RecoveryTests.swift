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

    @Test func stageGroupsADeadBuildLeftRunningAreStopped() throws {
        let package = TemporaryPackage()
        let registry = RunningProcesses(path: package.root + "/running")
        // A stage that keeps running: started in its own group, recorded, never reaped here.
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
            entries = (package.read("running") ?? "").split(separator: "\n").map(String.init)
            usleep(10_000)
        }
        #expect(entries.count == 1 && entries.first?.hasPrefix("s ") == true)
        #expect(registry.stopLeftovers() == ["train"])
        finished.wait()
        #expect(outcome.withLock { $0 } == .signaled(SIGKILL))
        #expect(SystemClock().monotonicNow() - started < 20_000_000_000)
    }
}
