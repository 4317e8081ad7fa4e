import LeptonCore
import Testing
import _LeptonTestSupport

/// Without the plugin, `.target("X")` covers X's dependency targets too (SwiftPM's real graph).
@Suite(.serialized)
struct TargetGraphTests {
    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("targets")
        package.write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription
            let package = Package(
                name: "Model",
                targets: [
                    .target(name: "Features", path: "Sources/Features"),
                    .executableTarget(name: "featurize", dependencies: ["Features"], path: "Sources/featurize"),
                ]
            )
            """)
        package.write("Sources/Features/Features.swift", "public let featureCount = 4\n")
        package.write("Sources/featurize/main.swift", "import Features\nprint(featureCount)\n")
        package.write("data.csv", "1,2,3,4\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "featurize", command: "cat data.csv > features.csv",
                       inputs: ["data.csv"], code: [.target("featurize")], outputs: ["features.csv"]),
            ])
            """)
        return package
    }

    @Test func anEditInADependencyTargetRerunsTheStage() {
        let package = fixture()
        let first = InProcess.run(["build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(package.read("Lepton.lock")?.contains("Sources/Features/Features.swift") == true)
        #expect(InProcess.run(["build"], in: package.root).output.contains("nothing to do"))
        // Before the fix only Sources/featurize was tracked: this edit went unnoticed.
        package.write("Sources/Features/Features.swift", "public let featureCount = 5\n")
        let status = InProcess.run(["status"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("Sources/Features/Features.swift"), "\(status.output)")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == ["featurize"])
        // A new file in a dependency counts too (the graph is cached, the files are listed anew).
        package.write("Sources/Features/More.swift", "public let more = 1\n")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == ["featurize"])
    }

    @Test func aPackageSwiftPMCannotDescribeIsAClearError() {
        let package = fixture()
        package.write(
            "Package.swift", "// swift-tools-version:6.1\nimport PackageDescription\nlet package = Package(\n")
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 2, "\(result.output)")
        #expect(result.output.contains("swift package describe"), "\(result.output)")
    }
}
