import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A fixture package with shell-command stages: prepare -> train -> evaluate.
private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("e2e")
    package.write("raw.csv", "b\na\n")
    package.write("params.yaml", "train:\n  lr: 0.01\nother: 1\n")
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(stages: [
            .stage(name: "prepare", command: "sort raw.csv > clean.csv", inputs: ["raw.csv"], outputs: ["clean.csv"]),
            .stage(name: "train", command: "cat clean.csv params.yaml > model.bin", inputs: ["clean.csv"],
                   params: ["train.lr"], outputs: ["model.bin"]),
            .stage(name: "evaluate", command: "wc -l < model.bin > metrics.txt", inputs: ["model.bin"], metrics: ["metrics.txt"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct EndToEndTests {
    @Test func buildStatusAndTheirExitCodes() {
        let package = fixture()
        let first = InProcess.run(["build", "-j2"], in: package.root)  // ninja's and make's spelling
        #expect(first.status == 0, "\(first.output)")
        #expect(stagesThatRan(first.output) == ["prepare", "train", "evaluate"])
        let second = InProcess.run(["build"], in: package.root)
        #expect(second.output.contains("nothing to do: 3 stages (3 up to date)"))
        #expect(InProcess.run(["status"], in: package.root).status == 0)

        package.write("params.yaml", "train:\n  lr: 0.02\nother: 1\n")
        let status = InProcess.run(["status"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("train: param train.lr changed 0.01 -> 0.02"))
        #expect(status.output.contains("evaluate: upstream stage train will run first"))
        #expect(!status.output.contains("prepare:"))
        let dryRun = InProcess.run(["build", "--dry-run"], in: package.root)
        #expect(dryRun.output.contains("would run   train"))
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == ["train", "evaluate"])
    }

    @Test func anUnknownStageNameSuggestsTheNearest() {
        let package = fixture()
        let result = InProcess.run(["build", "trian"], in: package.root)
        #expect(result.status == 64)
        #expect(result.output.contains("unknown stage or output 'trian'; did you mean 'train'?"))
    }

    @Test func aFailingStageFailsTheBuildWithItsLogTail() {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "broken", command: "echo 'loss is NaN at epoch 3' >&2; exit 7", outputs: ["never"]),
            ])
            """)
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 1)
        #expect(result.output.contains("FAILED      broken"))
        #expect(result.output.contains("command exited with status 7"))
        #expect(result.output.contains("loss is NaN at epoch 3"))
        #expect(!package.exists("Lepton.lock") || package.read("Lepton.lock")?.contains("broken") == false)
    }

    @Test func anInvalidPipelineIsAConfigurationErrorListingEveryProblem() {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "a", command: "true", inputs: ["b.txt"], outputs: ["a.txt"]),
                .stage(name: "b", command: "true", inputs: ["a.txt", "nowhere.csv"], outputs: ["b.txt"]),
            ])
            """)
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 2)
        #expect(result.output.contains("dependency cycle:"))
        #expect(result.output.contains("input 'nowhere.csv' does not exist and no stage outputs it"))
    }

    /// Many problems of one kind (a folder of inputs missing) print the first few and a count,
    /// every one with `-v`.
    @Test func manyProblemsPrintTheFirstAndACount() {
        let package = fixture()
        let rows = (0..<40).map { "    .stage(name: \"s\($0)\", command: \"true\", inputs: [\"in/\($0).txt\"])," }
        package.write(
            "Leptonfile",
            "import LeptonDescription\nlet pipeline = Pipeline(stages: [\n\(rows.joined(separator: "\n"))\n])\n")
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 2)
        let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 30)
        #expect(errors.first?.contains("stage 's0': input 'in/0.txt' does not exist") == true, "\(result.output)")
        #expect(result.output.contains("... and 10 more errors (-v prints them all)"), "\(result.output)")
        package.write(
            "Leptonfile", (package.read("Leptonfile") ?? "") + "// evaluated again, its inputs checked again\n")
        let verbose = InProcess.run(["build", "-v"], in: package.root)
        #expect(verbose.output.split(separator: "\n").filter { $0.hasPrefix("error: ") }.count == 40)
        #expect(!verbose.output.contains("more errors"))
    }

    @Test func sigtermStopsEveryChildProcessGroup() throws {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "slow", command: "sleep 60 & echo $! > child.pid; wait", outputs: ["never"]),
            ])
            """)
        let running = LeptonBinary.start(["build"], in: package.root)
        var waited = 0
        while !package.exists("child.pid") || (package.read("child.pid") ?? "").isEmpty {
            usleep(50_000)
            waited += 1
            try #require(waited < 400, "the stage never started: \(running.output())")
        }
        let child = Int32((package.read("child.pid") ?? "").split(separator: "\n").first.flatMap { Int32($0) } ?? 0)
        running.signal(SIGTERM)
        let result = running.wait()
        #expect(result.status == 130, "\(result.output)")
        #expect(eventually(within: 5) { isGone(child) }, "the stage's child process \(child) survived")
    }

    @Test func sigkillAtAnyMomentLeavesConsistentStateAndTheNextBuildRerunsOnlyWhatDidNotFinish() throws {
        let package = TemporaryPackage("kill")
        var stages: [String] = []
        for index in 0..<16 {
            let input = index < 4 ? "seed.txt" : "out\(index - 4).txt"
            stages.append(
                ".stage(name: \"s\(index)\", command: \"sleep 0.03; cat \(input) > out\(index).txt; echo \(index) >> out\(index).txt\", inputs: [\"\(input)\"], outputs: [\"out\(index).txt\"])"
            )
        }
        package.write("seed.txt", "seed\n")
        package.write(
            "Leptonfile",
            "import LeptonDescription\nlet pipeline = Pipeline(stages: [\n\(stages.joined(separator: ",\n"))\n])\n")
        #expect(InProcess.run(["dag"], in: package.root).status == 0)  // evaluates and caches the Leptonfile
        for round in 0..<6 {
            package.write("seed.txt", "seed \(round)\n")
            let running = LeptonBinary.start(["build", "--jobs", "2"], in: package.root)
            usleep(UInt32.random(in: 20_000..<350_000))
            running.signal(SIGKILL)
            let killed = running.wait()
            // What the killed build's stages left (a shell's children) ends before the check.
            #expect(eventually { recordedGroupsAreGone(in: package.root) })
            let finishedBefore = Set(stagesThatRan(killed.output))
            try checkState(package)
            let next = InProcess.run(["build", "--jobs", "2"], in: package.root)
            #expect(next.status == 0, "\(next.output)")
            #expect(
                finishedBefore.isDisjoint(with: stagesThatRan(next.output)), "round \(round): reran a finished stage")
            let last = InProcess.run(["build"], in: package.root)
            #expect(last.output.contains("nothing to do"), "round \(round): \(last.output)")
        }
    }

    /// Documented: the first Ctrl-C waits for running stages to end; a second quits at once, and
    /// the next command stops what was left running.
    @Test func aSecondCtrlCQuitsAtOnceAndTheNextCommandStopsWhatWasLeft() throws {
        let package = TemporaryPackage("ctrlc")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "stubborn", command: "trap '' INT TERM; sleep 60 & echo $! > child.pid; wait; wait",
                       outputs: ["never"]),
            ])
            """)
        let running = LeptonBinary.start(["build"], in: package.root)
        try #require(
            eventually(within: 120) { !(package.read("child.pid") ?? "").isEmpty }, "\(running.output())")
        let child = Int32((package.read("child.pid") ?? "").split(separator: "\n").first.flatMap { Int32($0) } ?? 0)
        running.signal(SIGINT)
        #expect(eventually { running.output().contains("press Ctrl-C again to quit at once") }, "\(running.output())")
        // The stage ignores SIGTERM, so the build waits (its grace period) ...
        #expect(!isGone(child))
        // ... until the second Ctrl-C, which quits at once.
        let clock = SystemClock()
        let second = clock.monotonicNow()
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.output)")
        #expect(clock.monotonicNow() - second < 3_000_000_000, "the second Ctrl-C did not quit at once")
        let next = InProcess.run(["status"], in: package.root)
        #expect(
            next.output.contains("stopped stage process(es) an interrupted build left running: 'stubborn'"),
            "\(next.output)")
        #expect(eventually(within: 5) { isGone(child) }, "the stage's child \(child) survived the next command")
    }

    /// Whether a process no longer runs: it does not exist, or it is a zombie waiting for a
    /// parent (in containers, PID 1 may never reap orphans).
    private func isGone(_ pid: Int32) -> Bool {
        guard let stat = try? PosixFileSystem().readText("/proc/\(pid)/stat") else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state == "Z" || state == "X"
    }

    /// The lock parses, and every cache object's content matches its name.
    private func checkState(_ package: TemporaryPackage) throws {
        if let bytes = try? PosixFileSystem().read(package.root + "/Lepton.lock") {
            _ = try LockFile(bytes: bytes, path: "Lepton.lock")
        }
        let cache = ArtifactCache(directory: package.root + "/.lepton/cache")
        for object in cache.allObjects() {
            let actual = try ContentHash.ofFile(cache.objectPath(object.digest))
            #expect(actual == object.digest, "torn cache object \(object.digest)")
        }
    }

    @Test func aSecondBuildWaitsForTheFirstAndSaysWhoHoldsTheLock() throws {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "slow", command: "touch started; sleep 1.5; echo done > out.txt", outputs: ["out.txt"]),
            ])
            """)
        #expect(InProcess.run(["dag"], in: package.root).status == 0)
        let first = LeptonBinary.start(["build"], in: package.root)
        // The first build holds the lock once its stage runs.
        var waited = 0
        while !package.exists("started") {
            usleep(20_000)
            waited += 1
            try #require(waited < 1000, "the first build never started its stage: \(first.output())")
        }
        let second = InProcess.run(["build"], in: package.root)
        let firstResult = first.wait()
        #expect(firstResult.status == 0)
        #expect(second.status == 0)
        #expect(second.output.contains("waiting for process \(first.pid) (lepton build) to finish"), "\(second.output)")
        #expect(second.output.contains("nothing to do"))
    }

    @Test func cleanRemovesOnlyOutputsLeptonProducedAndBuildRestoresThem() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write("model.bin", "edited by hand")
        package.write("notes.txt", "not an output")
        let clean = InProcess.run(["clean"], in: package.root)
        #expect(clean.status == 0)
        #expect(!package.exists("clean.csv"))
        #expect(!package.exists("metrics.txt"))
        #expect(package.read("model.bin") == "edited by hand")
        #expect(clean.output.contains("kept     model.bin"))
        #expect(package.exists("notes.txt") && package.exists("raw.csv"))
        package.remove("model.bin")
        let rebuild = InProcess.run(["build"], in: package.root)
        #expect(stagesThatRan(rebuild.output) == [])
        #expect(package.exists("clean.csv") && package.exists("model.bin"))
    }

    @Test func cacheGCKeepsWhatTheLockNeedsAndDropsTheRest() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write("params.yaml", "train:\n  lr: 0.02\nother: 1\n")
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let kept = InProcess.run(["cache", "gc"], in: package.root)
        #expect(kept.output.contains("removed 0 objects"), "\(kept.output)")
        let dropped = InProcess.run(["cache", "gc", "--workspace-only"], in: package.root)
        #expect(!dropped.output.contains("removed 0 objects"), "\(dropped.output)")
        package.remove("model.bin")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == [])
        package.write("params.yaml", "train:\n  lr: 0.01\nother: 1\n")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == ["train", "evaluate"])
    }

    @Test func initWritesAStarterLeptonfileAndRefusesToOverwrite() {
        let package = TemporaryPackage("init")
        package.write(".gitignore", "build/")
        let first = InProcess.run(["init"], in: package.root)
        #expect(first.status == 0)
        #expect(package.read("Leptonfile")?.contains(".target(\"Prepare\")") == true)
        // The starter builds as it is: a shell stage, the trainer and an evaluation with a gate.
        let built = LeptonBinary.run(["build"], in: package.root)
        #expect(built.status == 0, "\(built.output)")
        #expect(stagesThatRan(built.output) == ["prepare", "train", "evaluate"])
        #expect(package.exists("metrics.json"))
        #expect(
            package.read(".gitignore") == "build/\n# Lepton's cache and state (Lepton.lock is committed)\n.lepton/\n")
        package.write("Leptonfile", "mine")
        let second = InProcess.run(["init"], in: package.root)
        #expect(second.status == 1)
        #expect(second.output.contains("already exists"))
        #expect(package.read("Leptonfile") == "mine")
    }

    @Test func dagPrintsTextMermaidAndDot() {
        let package = fixture()
        #expect(InProcess.run(["dag"], in: package.root).output.contains("evaluate <- train"))
        #expect(InProcess.run(["dag", "--format", "mermaid"], in: package.root).output.contains("s1 --> s2"))
        #expect(
            InProcess.run(["dag", "--format", "dot"], in: package.root).output.contains("\"train\" -> \"evaluate\";")
        )
    }
}

/// A machine with the `lepton` binary but no Swift compiler (a CI image that only restores
/// and runs): a Leptonfile of literals still builds; one that needs compiling says so.
struct NoCompilerTests {
    private static let environment = ["PATH": "/bin:/usr/bin", "LEPTON_SWIFTC": "", "SWIFT_EXEC": ""]

    @Test(.enabled(if: !PosixFileSystem().exists("/usr/bin/swiftc"), "a compiler at /usr/bin cannot be hidden"))
    func aLiteralLeptonfileBuildsWithoutACompilerAndOneThatNeedsOneSaysSo() {
        let package = fixture()
        let built = LeptonBinary.run(["build", "-v"], in: package.root, environment: Self.environment)
        #expect(built.status == 0, "\(built.output)")
        #expect(built.output.contains("Leptonfile: read as literals"), "\(built.output)")
        #expect(stagesThatRan(built.output) == ["prepare", "train", "evaluate"])
        #expect(
            LeptonBinary.run(["build"], in: package.root, environment: Self.environment).output.contains(
                "nothing to do"))

        package.write(
            "Leptonfile",
            "import LeptonDescription\nlet name = \"a\"\nlet pipeline = Pipeline(stages: [.stage(name: name, command: \"true\")])\n"
        )
        let compiled = LeptonBinary.run(["build"], in: package.root, environment: Self.environment)
        #expect(compiled.status != 0)
        #expect(compiled.output.contains("cannot find the Swift compiler"), "\(compiled.output)")
    }
}
