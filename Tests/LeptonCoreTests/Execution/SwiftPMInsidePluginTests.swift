import LeptonCore
import Testing
import _LeptonTestSupport

struct SwiftPMInsidePluginTests {
    @Test(
        arguments: [
            ("swift run -c release train", "swift run"),
            ("cd tools && swift build --product gen && ./gen", "swift build"),
            ("/usr/bin/swift test", "swift test"),
            ("swift run --scratch-path .build-stages train", nil),
            ("swift run --scratch-path=.build-x train", nil),
            ("python3 swift.py run", nil),
            ("echo swift", nil),
        ] as [(String, String?)])
    func shellLinesThatStartSwiftPMOnThePackagesBuildFolder(line: String, expected: String?) {
        #expect(CommandDescription.shell(line).swiftPMInvocation == expected)
    }

    @Test func execVectorsToo() {
        #expect(CommandDescription.exec(["swift", "run", "train"]).swiftPMInvocation == "swift run")
        #expect(CommandDescription.exec(["swift", "package", "describe"]).swiftPMInvocation == nil)
        #expect(CommandDescription.tool(["train"], settings: []).swiftPMInvocation == nil)
    }

    /// Under the plugin such a stage fails at once, saying why and how to fix it, instead of
    /// hanging on SwiftPM's lock; outside it runs.
    @Test func insideSwiftPMTheStageFailsAtOnceWithTheFix() throws {
        let harness = EngineHarness(stages: [
            stage("train", outputs: ["model.bin"], command: "swift run -c release train"),
            stage("other", outputs: ["other.txt"]),
        ])
        harness.runner.on("train", harness.writes("model.bin") { "model" })
        harness.runner.on("other", harness.writes("other.txt") { "x" })
        var options = BuildOptions()
        options.insideSwiftPM = true
        options.keepGoing = true
        let summary = try harness.build(options)
        guard case .failed(let failure)? = summary.outcome(of: "train") else {
            Issue.record("the stage did not fail: \(String(describing: summary.outcome(of: "train")))")
            return
        }
        #expect(failure.message.contains("`swift run` inside `swift package lepton`"))
        #expect(failure.message.contains("--scratch-path"))
        #expect(!harness.runner.ran.contains("train"))
        #expect(harness.runner.ran.contains("other"))
        options.insideSwiftPM = false
        #expect(try harness.ranStages(options) == ["train"])
    }
}
