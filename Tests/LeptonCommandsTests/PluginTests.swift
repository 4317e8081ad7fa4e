import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the slow tests run (`LEPTON_SLOW_TESTS=1`, set by `.ci/run`).
let slowTestsEnabled = getenv("LEPTON_SLOW_TESTS").map { String(cString: $0) == "1" } ?? false

/// `swift package lepton` on a real SwiftPM package that depends on Lepton by path. Slow: the
/// fixture compiles Lepton and its dependencies in its own build folder, as a user's first run does.
@Suite(.serialized, .enabled(if: slowTestsEnabled))
struct PluginTests {
    static let repository: String = {
        var path = #filePath
        for _ in 0..<3 { path = RelativePath.parent(path) ?? "/" }
        return path
    }()

    private func swiftPackage(_ arguments: [String], in directory: String, timeout: Int = 3600) -> (
        status: Int32, output: String
    ) {
        let log = directory + "/.plugin-test.log"
        let command = (["timeout", String(timeout), "swift", "package"] + arguments).map { "'\($0)'" }.joined(
            separator: " ")
        let status = system("cd '\(directory)' && \(command) > '\(log)' 2>&1")
        let output = (try? PosixFileSystem().readText(log)) ?? ""
        unlink(log)
        return ((status >> 8) & 0xFF, output)
    }

    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("plugin")
        package.write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription
            let package = Package(
                name: "Model",
                dependencies: [.package(path: "\(PluginTests.repository)")],
                targets: [
                    .target(name: "Features", path: "Sources/Features"),
                    .executableTarget(name: "Train", dependencies: ["Features"], path: "Sources/Train"),
                ]
            )
            """)
        package.write("Sources/Features/Features.swift", "public let featureCount = 4\n")
        package.write("Sources/Train/main.swift", "import Features\nprint(featureCount)\n")
        package.write("data.csv", "1,2,3,4\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "train", command: "cat data.csv Sources/Train/main.swift > model.txt",
                       inputs: ["data.csv"], code: [.target("Train")], outputs: ["model.txt"]),
            ])
            """)
        return package
    }

    @Test func thePluginBuildsAndReportsWhyAStageReruns() {
        let package = fixture()
        let first = swiftPackage(["--allow-writing-to-package-directory", "lepton", "build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("ran         train"), "\(first.output)")
        #expect(package.read("Lepton.lock")?.contains("Sources/Features/Features.swift") == true)

        // The flag after the verb is forwarded to the plugin, which must strip it.
        let second = swiftPackage(["lepton", "build", "--allow-writing-to-package-directory"], in: package.root)
        #expect(second.output.contains("nothing to do"), "\(second.output)")

        // An edit in a target the stage's target depends on reruns it, and says why.
        package.write("Sources/Features/Features.swift", "public let featureCount = 5\n")
        let status = swiftPackage(["--allow-writing-to-package-directory", "lepton", "status"], in: package.root)
        #expect(status.output.contains("train: code Sources/Features/Features.swift changed"), "\(status.output)")
        // A stale status is an answer, not an error.
        #expect(status.status == 0 && !status.output.contains("error:"), "\(status.output)")
        let third = swiftPackage(["--allow-writing-to-package-directory", "lepton", "build"], in: package.root)
        #expect(third.output.contains("ran         train"), "\(third.output)")
    }

    /// `.product` stages run under the plugin (the plugin builds the product through SwiftPM)
    /// and under the CLI (`swift build --product`) with identical outputs, and rerun through the
    /// plugin when the library the product uses changes; a shell `swift run` under the plugin
    /// fails at once with the fix instead of waiting forever for SwiftPM's lock.
    @Test func productStagesRunUnderThePluginAndSwiftRunDoesNotHang() {
        let package = fixture()
        package.write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription
            let package = Package(
                name: "Model",
                products: [.executable(name: "featurize", targets: ["Train"])],
                dependencies: [.package(path: "\(PluginTests.repository)")],
                targets: [
                    .target(name: "Features", path: "Sources/Features"),
                    .executableTarget(name: "Train", dependencies: ["Features"], path: "Sources/Train"),
                ]
            )
            """)
        package.write(
            "Sources/Train/main.swift",
            "import Features\nimport Foundation\nlet out = CommandLine.arguments[1]\ntry! String(featureCount).write(toFile: out, atomically: true, encoding: .utf8)\n"
        )
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "featurize", command: .product("featurize", arguments: ["features.txt"], configuration: .debug),
                       outputs: ["features.txt"]),
                .stage(name: "shell", command: "swift run featurize other.txt", outputs: ["other.txt"]),
            ])
            """)
        let first = swiftPackage(
            ["--allow-writing-to-package-directory", "lepton", "build", "--keep-going"], in: package.root, timeout: 1200
        )
        #expect(first.status != 124, "the plugin build hung: \(first.output)")
        #expect(first.output.contains("ran         featurize"), "\(first.output)")
        #expect(first.output.contains("`swift run` inside `swift package lepton`"), "\(first.output)")
        #expect(package.read("features.txt") == "4")
        let viaPlugin = package.read("features.txt")

        let cli = LeptonBinary.run(["build", "featurize", "--force", "featurize"], in: package.root)
        #expect(cli.status == 0, "\(cli.output)")
        #expect(stagesThatRan(cli.output) == ["featurize"], "\(cli.output)")
        #expect(package.read("features.txt") == viaPlugin, "the CLI and the plugin built different outputs")

        package.write("Sources/Features/Features.swift", "public let featureCount = 7\n")
        let again = swiftPackage(
            ["--allow-writing-to-package-directory", "lepton", "build", "featurize"], in: package.root, timeout: 1200)
        #expect(again.output.contains("ran         featurize"), "\(again.output)")
        #expect(package.read("features.txt") == "7")
    }

    @Test func thePluginReportsTheToolsExitStatus() {
        let package = fixture()
        let result = swiftPackage(
            ["--allow-writing-to-package-directory", "lepton", "build", "nosuchstage"], in: package.root)
        #expect(result.status != 0)
        #expect(result.output.contains("unknown stage or output 'nosuchstage'"), "\(result.output)")
        #expect(result.output.contains("lepton exited with status 64"), "\(result.output)")
    }

    /// SwiftPM builds the plugin's tool in debug; for built-in trainer stages the plugin builds
    /// an optimized `lepton` and the stage runs that one.
    @Test func trainerStagesRunAnOptimizedBuildThroughThePlugin() {
        let package = fixture()
        package.write("data/train.csv", "a,b,label\n0,1,0\n1,0,1\n0.1,0.9,0\n0.9,0.2,1\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .train(name: "train", data: .csv("data/train.csv", label: "label"), model: [.dense(4), .relu, .dense(2)],
                       epochs: 2, batchSize: 2, checkpoint: "model/model.safetensors"),
            ])
            """)
        let result = swiftPackage(["--allow-writing-to-package-directory", "lepton", "build"], in: package.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(
            ["kernels avx512f, optimized build", "kernels avx2+fma, optimized build", "generic, optimized build"]
                .contains {
                    result.output.contains($0)
                }, "\(result.output)")
        #expect(package.read("model/model.json")?.contains("\"lepton-model\"") == true)
    }
}
