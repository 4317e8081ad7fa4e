import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Every command that changes the workspace or the cache waits for the build lock; exit codes
/// of configuration and state errors.
@Suite(.serialized)
struct WorkspaceLockTests {
    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("lock")
        package.write("in.txt", "1\n")
        package.write("params.yaml", "train:\n  lr: 0.1\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "make", command: "cp in.txt out.txt", inputs: ["in.txt"], params: ["train.lr"],
                       outputs: ["out.txt"]),
            ])
            """)
        return package
    }

    @Test func cleanWaitsForTheBuildLock() throws {
        let package = fixture()
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        let held = try BuildLock.acquire(path: package.workspace.buildLockFile, command: "a test build") { _ in }
        let clean = LeptonBinary.start(["clean"], in: package.root)
        let clock = SystemClock()
        let started = clock.monotonicNow()
        while !clean.output().contains("waiting for") && clock.monotonicNow() - started < 60_000_000_000 {
            usleep(20_000)
        }
        #expect(clean.output().contains("waiting for process \(getpid()) (a test build)"), "\(clean.output())")
        // Before the fix clean removed the build's outputs while it ran.
        #expect(package.exists("out.txt"))
        withExtendedLifetime(held) {}
        _ = consume held
        let result = clean.wait()
        #expect(result.status == 0, "\(result.output)")
        #expect(!package.exists("out.txt"))
    }

    @Test func aMalformedParamsFileIsAConfigurationErrorForBuildAndStatus() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        package.write("params.yaml", "train: [\n  lr: 0.2\n")
        let build = InProcess.run(["build"], in: package.root)
        #expect(build.status == 2, "\(build.output)")
        #expect(build.output.contains("params.yaml"))
        #expect(InProcess.run(["status"], in: package.root).status == 2)
    }

    @Test func unwritableStateIsExitCodeFiveNotAFailedStage() {
        let package = fixture()
        package.write(".lepton", "not a folder")  // as a read-only disk would, as root too
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 5, "\(result.output)")
        #expect(result.output.contains(".lepton"), "\(result.output)")
    }

    @Test func trainingOnOneClassWarns() {
        let package = TemporaryPackage("oneclass")
        package.write("data.csv", "x,y,label\n1,2,a\n3,4,a\n5,6,a\n")
        let result = LeptonBinary.run(
            [
                "train", "--csv", package.root + "/data.csv", "--label", "label", "--layers", "dense(2)", "--epochs",
                "1",
                "--checkpoint", package.root + "/model.safetensors",
            ], in: package.root, packagePath: false)
        #expect(result.output.contains("warning: every training sample has the same label"), "\(result.output)")
    }
}
