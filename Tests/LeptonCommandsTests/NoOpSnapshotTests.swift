import LeptonCore
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The no-op snapshot may only ever say "nothing to do" when that is true: every kind of
/// change must send the build down the full content-hash path.
@Suite(.serialized)
struct NoOpSnapshotTests {
    private static let holds = "the no-op snapshot of the last build holds"

    private func settled() -> TemporaryPackage {
        let package = TemporaryPackage("snapshot")
        package.write("data/a.csv", "1\n")
        package.write("shards/x.npy", "x")
        package.write("params.yaml", "train:\n  lr: 0.1\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "prepare", command: "cat data/* > all.csv", inputs: [.folder("data")], outputs: ["all.csv"]),
                .stage(name: "train", command: "cat all.csv shards/* > model.bin; echo $LR_SCALE >> model.bin",
                       inputs: ["all.csv", .glob("shards/*.npy")], params: ["train.lr"], environment: ["LR_SCALE"],
                       outputs: ["model.bin"]),
            ])
            """)
        // Build, then no-op builds until the snapshot is written and holds (outputs written
        // within the same timestamp tick are not a basis for it until re-checked).
        for _ in 0..<6 {
            let result = InProcess.run(["build", "-v"], in: package.root)
            if result.output.contains(NoOpSnapshotTests.holds) { break }
        }
        return package
    }

    private func fastPathHolds(_ package: TemporaryPackage, environment: [String: String] = [:]) -> (Bool, [String]) {
        // A changed environment needs a process of its own; the rest runs in-process.
        let result =
            environment.isEmpty
            ? InProcess.run(["build", "-v"], in: package.root)
            : LeptonBinary.run(["build", "-v"], in: package.root, environment: environment)
        return (result.output.contains(NoOpSnapshotTests.holds), stagesThatRan(result.output))
    }

    @Test func anUnchangedPackageTakesTheFastPath() {
        let package = settled()
        #expect(fastPathHolds(package).0)
        #expect(InProcess.run(["status"], in: package.root).output.contains("everything is up to date (2 stages)"))
    }

    /// `lepton`, `lepton build [-j N]` and `lepton status` with no other argument run without
    /// ArgumentParser, from the snapshot when it holds and down the whole path when it does not;
    /// a job count the parser would refuse still gets its usage error.
    @Test func plainBuildAndStatusRunWithoutTheArgumentParser() {
        let package = settled()
        let environment = ["LEPTON_PACKAGE_PATH": package.root]
        func lepton(_ arguments: [String]) -> LeptonBinary.Result {
            LeptonBinary.run(arguments, in: package.root, environment: environment, packagePath: false)
        }
        let build = lepton(["build"])
        #expect(build.status == 0)
        #expect(build.output.hasPrefix("nothing to do: 2 stages (2 up to date) in "), "\(build.output)")
        #expect(lepton(["status"]).output == "everything is up to date (2 stages)\n")
        package.write("data/b.csv", "2\n")
        let stale = lepton(["status"])
        #expect(stale.status == 1)
        #expect(stale.output.hasPrefix("prepare: "), "\(stale.output)")
        let refused = lepton(["build", "-j", "0"])
        #expect(refused.status == 64)
        #expect(refused.output.contains("Please specify --jobs of at least 1."), "\(refused.output)")
        #expect(stagesThatRan(refused.output).isEmpty)
        let changed = lepton(["build", "-j1"])
        #expect(stagesThatRan(changed.output) == ["prepare", "train"], "\(changed.output)")
        package.write("data/c.csv", "3\n")
        #expect(stagesThatRan(lepton([]).output) == ["prepare", "train"])
        #expect(lepton([]).output.contains("nothing to do: 2 stages (2 up to date)"))
    }

    @Test func aFileAddedToAFolderInputIsSeen() {
        let package = settled()
        package.write("data/b.csv", "2\n")
        let (holds, ran) = fastPathHolds(package)
        #expect(!holds)
        #expect(ran == ["prepare", "train"])
    }

    @Test func aFileMatchingAGlobIsSeen() {
        let package = settled()
        package.write("shards/y.npy", "y")
        let (holds, ran) = fastPathHolds(package)
        #expect(!holds)
        #expect(ran == ["train"])
    }

    @Test func aChangedParameterIsSeen() {
        let package = settled()
        package.write("params.yaml", "train:\n  lr: 0.2\n")
        #expect(fastPathHolds(package).1 == ["train"])
    }

    @Test func aChangedEnvironmentVariableIsSeen() {
        let package = settled()
        #expect(fastPathHolds(package, environment: ["LR_SCALE": "2"]).1 == ["train"])
    }

    @Test func anEditedLeptonfileIsSeen() {
        let package = settled()
        let text = package.read("Leptonfile") ?? ""
        package.write("Leptonfile", text + "\n// a comment\n")
        let (holds, ran) = fastPathHolds(package)
        #expect(!holds)
        #expect(ran == [])
    }

    @Test func aDeletedOrEditedOutputIsSeen() {
        let package = settled()
        package.remove("model.bin")
        #expect(!fastPathHolds(package).0)
        #expect(package.exists("model.bin"))
        let settledAgain = settled()
        settledAgain.write("all.csv", "tampered")
        #expect(!fastPathHolds(settledAgain).0)
        #expect(settledAgain.read("all.csv") == "1\n")
    }

    /// The executable reads and scans the snapshot once per command and decides from that
    /// scan: an edit between two commands is still seen, and only its stage is restored.
    @Test func theExecutableSeesAnEditAndRestoresOnlyItsStage() {
        let package = settled()
        package.remove("model.bin")
        let rebuilt = LeptonBinary.run(["build", "-v"], in: package.root)
        #expect(rebuilt.output.contains("restored    train"), "\(rebuilt.output)")
        #expect(rebuilt.output.contains("build succeeded: 2 stages (1 restored, 1 up to date)"), "\(rebuilt.output)")
        #expect(rebuilt.output.contains("check the snapshot"), "decided from the snapshot: \(rebuilt.output)")
        #expect(package.exists("model.bin"))
        package.write("data/a.csv", "2\n")
        let status = LeptonBinary.run(["status"], in: package.root)
        #expect(status.output.contains("prepare") && status.output.contains("train"), "\(status.output)")
    }

    @Test func aTouchedButUnchangedInputIsRehashedOnceAndRunsNothing() {
        let package = settled()
        package.shiftModificationTime("data/a.csv", by: -10)
        let (holds, ran) = fastPathHolds(package)
        #expect(!holds)
        #expect(ran == [])
        #expect(fastPathHolds(package).0)
    }
}
