import LeptonCore
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
        let root = FileSystem().realPath(package.root) ?? package.root
        return ((try? FileSystem().list("/proc")) ?? []).compactMap { entry in
            guard Int(entry.name) != nil, let exe = ContentHasher.readLinkText("/proc/\(entry.name)/exe"),
                exe.hasPrefix(root)
            else { return nil }
            return entry.name
        }
    }

    private func leftovers(in package: TemporaryPackage) -> [String] {
        ((try? FileSystem().list(package.root + "/.lepton/leptonfile")) ?? []).map(\.name).filter {
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
}
