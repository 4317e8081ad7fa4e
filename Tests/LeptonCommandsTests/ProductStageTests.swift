import LeptonCore
import Testing
import _LeptonTestSupport

/// `.product("featurize")`: Lepton builds the package's executable product (`swift build
/// --product` from the CLI) and runs the binary; the product's targets with their dependencies
/// are the stage's code, so editing the library it uses reruns it.
@Suite(.serialized)
struct ProductStageTests {
    private func fixture() -> TemporaryPackage {
        let package = TemporaryPackage("product")
        package.write(
            "Package.swift",
            """
            // swift-tools-version:6.1
            import PackageDescription
            let package = Package(
                name: "Model",
                products: [.executable(name: "featurize", targets: ["Featurize"])],
                targets: [
                    .target(name: "Features", path: "Sources/Features"),
                    .executableTarget(name: "Featurize", dependencies: ["Features"], path: "Sources/Featurize"),
                ]
            )
            """)
        package.write("Sources/Features/Features.swift", "public func scale(_ x: Int) -> Int { x * 2 }\n")
        package.write(
            "Sources/Featurize/main.swift",
            """
            import Features
            import Foundation
            let arguments = CommandLine.arguments
            let input = try String(contentsOfFile: arguments[1], encoding: .utf8)
            let values = input.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try values.map { String(scale($0)) }.joined(separator: ",").write(toFile: arguments[2], atomically: true, encoding: .utf8)
            """)
        package.write("data.csv", "1,2,3\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "featurize", command: .product("featurize", arguments: ["data.csv", "features.csv"], configuration: .debug),
                       inputs: ["data.csv"], outputs: ["features.csv"]),
            ])
            """)
        return package
    }

    @Test func theCLIBuildsTheProductRunsItAndRerunsWhenItsLibraryChanges() {
        let package = fixture()
        let first = InProcess.run(["build"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(package.read("features.csv") == "2,4,6")
        #expect(stagesThatRan(InProcess.run(["build"], in: package.root).output) == [])
        package.write("Sources/Features/Features.swift", "public func scale(_ x: Int) -> Int { x * 10 }\n")
        let status = InProcess.run(["status"], in: package.root)
        #expect(status.output.contains("code Sources/Features/Features.swift changed"), "\(status.output)")
        let second = InProcess.run(["build"], in: package.root)
        #expect(stagesThatRan(second.output) == ["featurize"], "\(second.output)")
        #expect(package.read("features.csv") == "10,20,30")
    }

    @Test func aProductThatDoesNotExistFailsNamingIt() {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "gen", command: .product("nosuch", configuration: .debug), outputs: ["out.txt"]),
            ])
            """)
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status != 0)
        #expect(result.output.contains("'nosuch'"), "\(result.output)")
    }
}
