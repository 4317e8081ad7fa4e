import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// An endless loop in a Leptonfile: a note, a timeout, and Ctrl-C that leaves nothing behind.
@Suite(.serialized)
struct EvaluationTimeoutTests {
    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("loop")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            var spins = 0
            while spins >= 0 { spins = (spins + 1) % 1000 }
            let pipeline = Pipeline(stages: [])
            """)
        return package
    }

    /// Processes whose executable lies in the package (the compiled Leptonfile).
    private func evaluators(in package: TemporaryPackage) -> [String] {
        let root = PosixFileSystem().realPath(package.root) ?? package.root
        return ((try? PosixFileSystem().list("/proc")) ?? []).compactMap { entry in
            guard Int(entry.name) != nil, let exe = PosixFileSystem().readLink("/proc/\(entry.name)/exe"),
                exe.hasPrefix(root)
            else { return nil }
            return entry.name
        }
    }

    private func leftovers(in package: TemporaryPackage) -> [String] {
        ((try? PosixFileSystem().list(package.root + "/.lepton/leptonfile")) ?? []).map(\.name).filter {
            $0.contains("lepton-tmp")
        }
    }

    @Test func aTimeoutStopsTheEvaluationWithAClearError() {
        let package = fixture()
        let result = LeptonBinary.run(["build"], in: package.root, environment: ["LEPTON_EVALUATION_TIMEOUT": "4"])
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("still evaluating the Leptonfile"), "\(result.output)")
        #expect(result.output.contains("took longer than 4"), "\(result.output)")
        #expect(evaluators(in: package).isEmpty)
        #expect(leftovers(in: package).isEmpty)
    }

    @Test func ctrlCStopsTheEvaluationAndRemovesItsFolder() {
        let package = fixture()
        let running = LeptonBinary.start(["build"], in: package.root)
        let clock = SystemClock()
        let started = clock.monotonicNow()
        while !running.output().contains("still evaluating") && clock.monotonicNow() - started < 120_000_000_000 {
            usleep(50_000)
        }
        #expect(!evaluators(in: package).isEmpty)
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.output)")
        #expect(evaluators(in: package).isEmpty)
        #expect(leftovers(in: package).isEmpty)
    }

    /// A Leptonfile that takes the compiler several seconds.
    private func slowToCompile() -> TemporaryPackage {
        let package = TemporaryPackage("compile")
        // A constant makes it more than literals, so it is compiled (a literal one is read
        // without the compiler).
        var lines = ["import LeptonDescription", "let input: Input = \"in.txt\"", "let pipeline = Pipeline(stages: ["]
        for index in 0..<1500 {
            lines.append(
                "    .stage(name: \"s\(index)\", command: \"echo \(index) > o\(index)\", inputs: [input], outputs: [\"o\(index)\"]),"
            )
        }
        package.write("Leptonfile", (lines + ["])"]).joined(separator: "\n") + "\n")
        package.write("in.txt", "x\n")
        return package
    }

    /// Compiler processes working on this package's Leptonfile.
    private func compilers(of package: TemporaryPackage) -> [String] {
        ((try? PosixFileSystem().list("/proc")) ?? []).compactMap { entry in
            guard Int(entry.name) != nil, let bytes = try? PosixFileSystem().read("/proc/\(entry.name)/cmdline") else {
                return nil
            }
            let command = String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return command.contains(package.root) && command.contains("swift") ? entry.name : nil
        }
    }

    /// Starts `lepton build` and returns once a `swift-frontend` compiles the package's
    /// Leptonfile (or after a minute).
    private func buildUntilTheCompilerRuns(_ package: TemporaryPackage) -> LeptonBinary.Running {
        let running = LeptonBinary.start(["build"], in: package.root)
        let compiling = eventually(within: 60) {
            compilers(of: package).contains { name in
                (try? PosixFileSystem().readText("/proc/\(name)/comm"))?.hasPrefix("swift-frontend") == true
            }
        }
        #expect(compiling, "no compiler ever ran for the Leptonfile")
        return running
    }

    @Test func ctrlCWhileCompilingStopsEveryCompilerProcess() {
        let package = slowToCompile()
        let running = buildUntilTheCompilerRuns(package)
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result.output)")
        // Before: swift-frontend, in a process group of its own, went on with parent 1 (for
        // seconds, compiling); now it is stopped with Lepton.
        #expect(eventually(within: 1) { compilers(of: package).isEmpty }, "\(compilers(of: package))")
    }

    @Test func aKilledLeptonTakesTheCompilerWithIt() {
        let package = slowToCompile()
        let running = buildUntilTheCompilerRuns(package)
        running.signal(SIGKILL)
        _ = running.wait()
        // Before: the driver died with Lepton (PR_SET_PDEATHSIG) but its frontend, in a process
        // group of its own, compiled on for seconds with parent 1; now the supervisor between
        // Lepton and the compiler stops the whole tree.
        #expect(eventually(within: 1) { compilers(of: package).isEmpty }, "\(compilers(of: package))")
    }

    @Test func twoBuildsNeverCompileTheSameLeptonfileAtOnce() {
        let package = slowToCompile()
        let first = LeptonBinary.start(["dag", "-v"], in: package.root)
        let clock = SystemClock()
        let started = clock.monotonicNow()
        while compilers(of: package).isEmpty && clock.monotonicNow() - started < 60_000_000_000 { usleep(20_000) }
        let second = LeptonBinary.run(["dag", "-v"], in: package.root)
        let firstResult = first.wait()
        #expect(firstResult.status == 0 && second.status == 0, "\(firstResult.output)\n\(second.output)")
        #expect(firstResult.output.contains("Leptonfile: evaluated"), "\(firstResult.output)")
        #expect(second.output.contains("to finish evaluating this Leptonfile"), "\(second.output)")
        #expect(second.output.contains("Leptonfile: cached description"), "\(second.output)")
    }
}
