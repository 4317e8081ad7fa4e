import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Whether Slurm is installed, or can be (as root with apt-get).
private let slurmAvailable: Bool = {
    let fileSystem = PosixFileSystem()
    return fileSystem.exists("/usr/sbin/slurmctld") || (geteuid() == 0 && fileSystem.exists("/usr/bin/apt-get"))
}()

/// The Slurm executor against a real single-node cluster (Debian's slurm-wlm and munge, started
/// on loopback by `Tests/SlurmCluster/slurm-cluster.py`). Runs where Slurm is installed or can be
/// (as root with apt-get: CI); the suite is serial because the tests share the cluster's cores.
@Suite(.serialized, .enabled(if: slurmAvailable))
struct SlurmEndToEndTests {
    private func cluster() throws -> SlurmCluster {
        switch SlurmCluster.shared() {
        case .success(let cluster): return cluster
        case .failure(let error): throw error
        }
    }

    /// A package whose Lepton.config sends every stage to Slurm, polling often.
    private func package(_ name: String, leptonfile: String) -> TemporaryPackage {
        let package = TemporaryPackage(name)
        package.write("Lepton.config", #"{"version": 1, "executor": "slurm", "slurm": {"poll": 0.2}}"#)
        package.write("Leptonfile", leptonfile)
        return package
    }

    private func lepton(_ arguments: [String], _ package: TemporaryPackage, _ cluster: SlurmCluster)
        -> LeptonBinary.Result
    {
        LeptonBinary.run(arguments, in: package.root, environment: cluster.environment)
    }

    /// A package of one stage running `command` on Slurm, its Leptonfile evaluated, and a build of
    /// it started and waited for until its output shows `sign`.
    private func startBuild(
        _ name: String, stage: String, command: String, showing sign: String, _ cluster: SlurmCluster
    ) throws -> (TemporaryPackage, LeptonBinary.Running) {
        let package = package(
            name,
            leptonfile: """
                import LeptonDescription
                let pipeline = Pipeline(name: "\(name)", stages: [
                    .stage(name: "\(stage)", command: "\(command)", outputs: ["done.txt"]),
                ])
                """)
        #expect(LeptonBinary.run(["dag"], in: package.root).status == 0)
        let running = LeptonBinary.start(["build"], in: package.root, environment: cluster.environment)
        try #require(eventually(within: 60) { running.output().contains(sign) }, "\(running.output())")
        return (package, running)
    }

    /// The files of a package's cache, relative to it: objects by digest, run entries by key.
    private func cacheEntries(_ package: TemporaryPackage) -> [String] {
        let fileSystem = PosixFileSystem()
        var entries: [String] = []
        let base = package.root + "/.lepton/cache/objects"
        for prefix in ((try? fileSystem.list(base)) ?? []).map(\.name) {
            for name in ((try? fileSystem.list(base + "/" + prefix)) ?? []).map(\.name) {
                entries.append("objects/\(prefix)/\(name)")
            }
        }
        for entry in ArtifactCache(directory: package.root + "/.lepton/cache").allRunEntries() {
            let outputs = entry.outputs.keys.sorted().map { "\($0)=\(entry.outputs[$0]?.digest ?? "")" }
            entries.append("runs/\(entry.key) \(outputs)")
        }
        return entries.sorted()
    }

    /// The jobs the controller knows whose name is `lepton:<stage>` for one of `stages`.
    private func jobs(of stages: Set<String>, _ cluster: SlurmCluster) -> [(id: Int, name: String, state: String)] {
        cluster.jobs().filter { stages.contains(String($0.name.dropFirst("lepton:".count))) }
    }

    private static let pipeline = """
        import LeptonDescription
        let pipeline = Pipeline(name: "cluster", stages: [
            .stage(name: "prepare", command: "sort raw.csv > clean.csv", inputs: ["raw.csv"], outputs: ["clean.csv"],
                   resources: Resources(cpus: 1, memory: "200M", time: "5m")),
            .stage(name: "count", command: "wc -l < raw.csv > count.txt", inputs: ["raw.csv"], outputs: ["count.txt"]),
            .stage(name: "report", command: "cat clean.csv count.txt > report.txt; echo reported",
                   inputs: ["clean.csv", "count.txt"], outputs: ["report.txt"]),
        ])
        """

    @Test func stagesRunAsSlurmJobsWithTheirResourcesAndLeaveWhatALocalBuildLeaves() throws {
        let cluster = try cluster()
        let onCluster = package("slurm-e2e", leptonfile: SlurmEndToEndTests.pipeline)
        let local = TemporaryPackage("slurm-e2e-local")
        for package in [onCluster, local] { package.write("raw.csv", "b\na\nc\n") }
        local.write("Leptonfile", SlurmEndToEndTests.pipeline)
        let stages: Set = ["prepare", "count", "report"]
        let before = jobs(of: stages, cluster).count

        let built = lepton(["build"], onCluster, cluster)
        #expect(built.status == 0, "\(built.output)")
        #expect(built.output.contains("report │ reported"), "the job's output is not shown: \(built.output)")
        let submitted = jobs(of: stages, cluster).suffix(3)
        #expect(jobs(of: stages, cluster).count == before + 3, "\(cluster.jobs())")
        #expect(submitted.allSatisfy { $0.state == "COMPLETED" }, "\(submitted)")
        let prepare = try #require(submitted.first { $0.name == "lepton:prepare" })
        let details = cluster.job(prepare.id)
        #expect(details["NumCPUs"] == "1" && details["TimeLimit"] == "00:05:00", "\(details)")
        #expect(details["MinMemoryNode"] == "200M", "\(details)")
        #expect(onCluster.read(".lepton/logs/report.log")?.contains("reported") == true)
        // The run history names each stage's job.
        let run = lepton(["runs", "show", "latest", "--json"], onCluster, cluster)
        #expect(run.output.contains("\"slurm:\(prepare.id)\""), "\(run.output)")

        // The same outputs and lock as a local build.
        #expect(LeptonBinary.run(["build"], in: local.root).status == 0)
        for file in ["clean.csv", "count.txt", "report.txt", "Lepton.lock"] {
            #expect(onCluster.read(file) == local.read(file), "\(file) differs from a local build's")
        }
        // The same objects and run-cache entries (by content address and key) in the cache.
        #expect(cacheEntries(onCluster) == cacheEntries(local))
        #expect(!cacheEntries(local).isEmpty)

        // A no-op submits nothing, nor does a stage restored from the cache.
        let noOp = lepton(["build"], onCluster, cluster)
        #expect(noOp.output.contains("nothing to do"), "\(noOp.output)")
        #expect(lepton(["build", "--force", "count"], onCluster, cluster).status == 0)
        let afterForce = jobs(of: stages, cluster).count
        #expect(afterForce == before + 4)
        onCluster.write("raw.csv", "z\ny\n")
        #expect(lepton(["build"], onCluster, cluster).status == 0)
        onCluster.write("raw.csv", "b\na\nc\n")
        let restored = lepton(["build"], onCluster, cluster)
        #expect(restored.status == 0 && !restored.output.contains("submitted as Slurm job"), "\(restored.output)")
        #expect(jobs(of: stages, cluster).count == afterForce + 3, "restoring submitted jobs")
        #expect(onCluster.read("report.txt") == local.read("report.txt"))
    }

    @Test func aJobOverItsMemoryOrACommandThatFailsFailsTheStageInSlurmsWords() throws {
        let cluster = try cluster()
        let package = package(
            "slurm-fail",
            leptonfile: """
                import LeptonDescription
                let pipeline = Pipeline(name: "fail", stages: [
                    .stage(name: "hungry", command: "python3 -c 'x = bytearray(600 << 20); import time; time.sleep(10)'; touch a",
                           outputs: ["a"], resources: Resources(memory: "100M")),
                    .stage(name: "broken", command: "echo about to fail; exit 3", outputs: ["b"]),
                ])
                """)
        let result = lepton(["build", "-k"], package, cluster)
        #expect(result.status == 1)
        #expect(result.output.contains("ran out of memory: OUT_OF_MEMORY"), "\(result.output)")
        #expect(result.output.contains("(--mem=100M)"), "\(result.output)")
        #expect(result.output.contains("FAILED: the command exited with status 3"), "\(result.output)")
        #expect(result.output.contains("about to fail"))
    }

    @Test func ctrlCCancelsTheJobsItSubmitted() throws {
        let cluster = try cluster()
        let (package, running) = try startBuild(
            "slurm-ctrl-c", stage: "sleeper", command: "echo started; sleep 120; touch done.txt",
            showing: "sleeper │ started", cluster)
        let job = try #require(jobs(of: ["sleeper"], cluster).last)
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.output)")
        #expect(eventually(within: 20) { cluster.jobs().first { $0.id == job.id }?.state == "CANCELLED" })
        #expect(!package.exists(".lepton/slurm-jobs"))
    }

    @Test func theNextBuildCancelsTheJobsOfAKilledLepton() throws {
        let cluster = try cluster()
        let (package, running) = try startBuild(
            "slurm-killed", stage: "orphan", command: "echo started; sleep 120; touch done.txt",
            showing: "submitted as Slurm job", cluster)
        let job = try #require(jobs(of: ["orphan"], cluster).last)
        running.signal(SIGKILL)
        _ = running.wait()
        #expect(["PENDING", "RUNNING"].contains(cluster.jobs().first { $0.id == job.id }?.state ?? ""))
        // The next build cancels it first, then runs the (now quick) stage.
        package.write("Leptonfile", (package.read("Leptonfile") ?? "").replacing("sleep 120", with: "sleep 0"))
        let next = lepton(["build"], package, cluster)
        #expect(next.status == 0, "\(next.output)")
        #expect(
            next.output.contains("cancelled 1 Slurm job(s) a stopped build left running: \(job.id)"), "\(next.output)")
        #expect(cluster.jobs().first { $0.id == job.id }?.state == "CANCELLED")
    }

    @Test func aJobLostWithItsNodeIsSubmittedAgain() throws {
        let cluster = try cluster()
        let (package, running) = try startBuild(
            "slurm-node", stage: "flaky", command: "echo started; sleep 3; echo done > done.txt",
            showing: "flaky │ started", cluster)
        cluster.run(["scontrol", "update", "nodename=\(cluster.node)", "state=down", "reason=lepton-test"])
        #expect(eventually(within: 20) { running.output().contains("ended NODE_FAIL; submitting it again") })
        cluster.run(["scontrol", "update", "nodename=\(cluster.node)", "state=resume"])
        let result = running.wait()
        #expect(result.status == 0, "\(result.output)")
        #expect(package.read("done.txt") == "done\n")
        #expect(jobs(of: ["flaky"], cluster).suffix(2).map(\.state) == ["NODE_FAIL", "COMPLETED"])
    }

    @Test func aTrainerStageRunsOnTheClusterWithItsCoresAsThreads() throws {
        let cluster = try cluster()
        let package = package(
            "slurm-train",
            leptonfile: """
                import LeptonDescription
                let pipeline = Pipeline(name: "train", stages: [
                    .train(name: "train", data: .csv("train.csv", label: "y"), model: [.dense(4), .relu, .dense(2)],
                           epochs: 2, checkpoint: "model.safetensors")
                        .resources(cpus: 2, memory: "500M"),
                ])
                """)
        var rows = ["a,b,y"]
        for index in 0..<200 { rows.append("\(Double(index % 17) / 17),\(Double(index % 5) / 5),\(index % 2)") }
        package.write("train.csv", rows.joined(separator: "\n") + "\n")
        let result = lepton(["build"], package, cluster)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("train │ lepton: submitted as Slurm job"), "\(result.output)")
        #expect(package.exists("model.safetensors"))
        let job = try #require(jobs(of: ["train"], cluster).last)
        #expect(job.state == "COMPLETED")
        #expect(cluster.job(job.id)["NumCPUs"] == "2")
        #expect(package.read(".lepton/slurm/train.sh")?.contains("--threads 2") == true)
    }

    /// Slurm enforces time limits in whole minutes, checked about every 30 s: over a minute.
    @Test(.enabled(if: Environment.value("LEPTON_SLOW_TESTS") != nil))
    func aJobOverItsTimeLimitFailsWithTimeout() throws {
        let cluster = try cluster()
        let package = package(
            "slurm-time",
            leptonfile: """
                import LeptonDescription
                let pipeline = Pipeline(name: "time", stages: [
                    .stage(name: "slow", command: "sleep 300; touch a", outputs: ["a"], resources: Resources(time: "1m")),
                ])
                """)
        let result = lepton(["build"], package, cluster)
        #expect(result.status == 1)
        #expect(result.output.contains("hit its time limit: TIMEOUT (--time=0-00:01:00)"), "\(result.output)")
    }
}
