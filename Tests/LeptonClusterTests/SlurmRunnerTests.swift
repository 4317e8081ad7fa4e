import LeptonCore
import LeptonRemote
import LeptonSystem
import Synchronization
import Testing
import _LeptonTestSupport

@testable import LeptonCluster

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SlurmBatchScriptTests {
    @Test func resourcesAndOptionsReachSbatchAndTheScriptRunsTheCommandInThePackage() {
        var settings = SlurmSettings()
        settings.partition = "cpu"
        settings.account = "ml"
        settings.options = ["--exclusive"]
        let request = ProcessRequest(
            stage: "train", arguments: ["/bin/sh", "-c", "python3 train.py --name 'it''s'"],
            workingDirectory: "/work/my package", environment: ["LEPTON_STAGE": "train"],
            logPath: "/work/my package/.lepton/logs/train.log", withheld: ["LEPTON_REMOTE_TOKEN"],
            resources: StageResources(
                cpus: 4, memoryMiB: 8192, gpus: 1, timeSeconds: 5400, options: ["partition": "gpu", "exclusive": ""]))
        let batch = SlurmBatchScript(request: request, settings: settings, tag: "lepton:abc")
        #expect(batch.arguments.contains("--cpus-per-task=4"))
        #expect(batch.arguments.contains("--mem=8192M"))
        #expect(batch.arguments.contains("--gpus=1"))
        #expect(batch.arguments.contains("--time=0-01:30:00"))
        // The stage's own partition wins over the configured one; the account stays.
        #expect(batch.arguments.contains("--partition=gpu"))
        #expect(!batch.arguments.contains("--partition=cpu"))
        #expect(batch.arguments.contains("--account=ml"))
        #expect(batch.arguments.contains("--exclusive"))
        #expect(batch.arguments.contains("--no-requeue"))
        #expect(batch.arguments.contains("--comment=lepton:abc:train"))
        #expect(batch.arguments.contains("--output=/work/my package/.lepton/logs/train.log"))
        #expect(batch.script.contains("cd '/work/my package' || exit 1"))
        #expect(batch.script.contains("unset LEPTON_REMOTE_TOKEN"))
        #expect(batch.script.contains("export LEPTON_STAGE=train"))
        #expect(batch.script.contains("exec /bin/sh -c 'python3 train.py --name '\\''it'\\'''\\''s'\\'''"))
    }

    @Test func timeLimitsAreWrittenAsSlurmsDaysHoursMinutesSeconds() {
        #expect(SlurmBatchScript.time(59) == "0-00:00:59")
        #expect(SlurmBatchScript.time(86400 + 3661) == "1-01:01:01")
    }
}

@Suite struct SlurmJobStateTests {
    @Test func squeueLinesGiveEachJobsStateReasonAndWaitStatus() {
        let states = SlurmJobState.parse([
            "12|COMPLETED|None|0|", "13|FAILED|NonZeroExitCode|768|", "14|CANCELLED by 0|None|15|", "junk",
            "15|PENDING|Resources|0|",
        ])
        #expect(states["12"] == SlurmJobState(state: "COMPLETED", reason: "None", waitStatus: 0))
        #expect(states["13"]?.waitStatus == 768)
        #expect(states["14"]?.state == "CANCELLED")
        #expect(states["15"]?.isTerminal == false)
        #expect(states.count == 4)
        let accounting = SlurmJobState.parseAccounting(["20|TIMEOUT|0:15", "21|FAILED|3:0"])
        #expect(accounting["20"]?.state == "TIMEOUT")
        #expect(accounting["21"]?.waitStatus == 3 << 8)
    }

    @Test func slurmsEndingsBecomeOutcomesInSlurmsWords() {
        func outcome(_ state: String, _ status: Int32 = 0, overMemory: Bool = false) -> ProcessOutcome {
            SlurmRunner.outcome(
                of: SlurmJobState(state: state, reason: "", waitStatus: status), job: "7", overMemory: overMemory,
                resources: StageResources(memoryMiB: 100, timeSeconds: 60))
        }
        #expect(outcome("COMPLETED") == .exited(0))
        #expect(outcome("FAILED", 3 << 8) == .failed("Slurm job 7 FAILED: the command exited with status 3"))
        #expect(outcome("OUT_OF_MEMORY") == outcome("FAILED", 9, overMemory: true))
        guard case .failed(let memory) = outcome("OUT_OF_MEMORY"), case .failed(let time) = outcome("TIMEOUT"),
            case .failed(let node) = outcome("NODE_FAIL"), case .failed(let cancelled) = outcome("CANCELLED")
        else {
            Issue.record("Slurm's failures must be failures")
            return
        }
        #expect(memory.contains("OUT_OF_MEMORY") && memory.contains("--mem=100M"))
        #expect(time.contains("TIMEOUT") && time.contains("--time=0-00:01:00"))
        #expect(node.contains("NODE_FAIL"))
        #expect(cancelled.contains("CANCELLED"))
        #expect(SlurmJobState.retriable.contains("NODE_FAIL") && !SlurmJobState.retriable.contains("TIMEOUT"))
    }
}

@Suite struct ExecutorConfigurationTests {
    @Test func lepton_configSetsTheExecutorAndSlurmAndTheEnvironmentOverridesThem() throws {
        let package = TemporaryPackage("executor-config")
        package.write(
            "Lepton.config",
            """
            {"version": 1, "executor": "slurm",
             "slurm": {"partition": "cpu", "options": ["--exclusive"], "maxJobs": 8, "poll": 0.5, "retries": 2}}
            """)
        let plain = try ExecutorConfiguration.load(root: package.root) { _ in nil }
        #expect(plain.defaultExecutor == .slurm)
        #expect(plain.slurm.partition == "cpu" && plain.slurm.options == ["--exclusive"])
        #expect(plain.slurm.maxJobs == 8 && plain.slurm.poll == 0.5 && plain.slurm.retries == 2)
        let overridden = try ExecutorConfiguration.load(root: package.root) { name in
            ["LEPTON_EXECUTOR": "local", "LEPTON_SLURM_PARTITION": "ci", "LEPTON_SLURM_MAX_JOBS": "3"][name]
        }
        #expect(overridden.defaultExecutor == .local)
        #expect(overridden.slurm.partition == "ci" && overridden.slurm.maxJobs == 3)
        #expect(throws: LeptonError.self) {
            try ExecutorConfiguration.load(root: package.root) { $0 == "LEPTON_EXECUTOR" ? "kubernetes" : nil }
        }
    }

    @Test func addingARemoteKeepsTheExecutorSettings() throws {
        let package = TemporaryPackage("executor-config-remote")
        package.write("Lepton.config", #"{"version": 1, "executor": "slurm", "slurm": {"partition": "cpu"}}"#)
        var remotes = try RemoteConfiguration.load(root: package.root)
        try remotes.add(name: "team", url: "http://cache.example/lepton", makeDefault: true)
        try remotes.save(root: package.root)
        let configuration = try ExecutorConfiguration.load(root: package.root) { _ in nil }
        #expect(configuration.defaultExecutor == .slurm)
        #expect(configuration.slurm.partition == "cpu")
        #expect(try RemoteConfiguration.load(root: package.root).remote(named: "team") != nil)
    }
}

/// The runner against fake client commands (`slurm.bin`): what it does when Slurm misbehaves.
@Suite struct SlurmRunnerFakeClientTests {
    @Test func aControllerThatStopsAnsweringForAWhileFailsNoJob() throws {
        let package = TemporaryPackage("slurm-fake")
        package.write("bin/sbatch", "#!/bin/sh\necho 42\n")
        // Unreachable for the first 15 queries (about 15 polls), then the job has completed.
        package.write(
            "bin/squeue",
            """
            #!/bin/sh
            count=$(cat "$0.count" 2>/dev/null || echo 0); count=$((count + 1)); echo $count > "$0.count"
            if [ $count -le 15 ]; then echo "slurm_load_jobs error: Unable to contact slurm controller"; exit 1; fi
            echo "42|COMPLETED|None|0|"
            """)
        package.write("bin/scancel", "#!/bin/sh\nexit 0\n")
        for name in ["sbatch", "squeue", "scancel"] { chmod(package.root + "/bin/" + name, 0o755) }
        var settings = SlurmSettings()
        settings.binDirectory = package.root + "/bin"
        settings.poll = 0.05
        let runner = SlurmRunner(settings: settings, workspace: package.workspace)
        let submitted = Mutex<[String]>([])
        let outcome = runner.run(
            ProcessRequest(
                stage: "train", arguments: ["true"], workingDirectory: package.root, environment: [:],
                logPath: package.root + "/.lepton/logs/train.log",
                onSubmitted: { id in submitted.withLock { $0.append(id) } }))
        #expect(outcome == .exited(0))
        #expect(submitted.withLock { $0 } == ["slurm:42"])
        #expect(runner.queries >= 16)
        #expect(!package.exists(".lepton/slurm-jobs"), "the mark of jobs out stays after they ended")
    }
}
