import LeptonCore
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

struct PipelineValidatorTests {
    @Test func anEmptyPipelineIsAnError() {
        let harness = EngineHarness(stages: [])
        #expect(
            harness.diagnostics() == ["the pipeline has no stages; add one with .stage(name:command:...) to 'stages'"])
    }

    @Test func aCycleIsPrintedAsAPath() {
        let harness = EngineHarness(stages: [
            stage("a", inputs: ["c.txt"], outputs: ["a.txt"]),
            stage("b", inputs: ["a.txt"], outputs: ["b.txt"]),
            stage("c", inputs: ["b.txt"], outputs: ["c.txt"]),
        ])
        let cycle = harness.diagnostics().filter { $0.hasPrefix("dependency cycle") }
        #expect(cycle.count == 1)
        #expect(
            cycle.first?.contains("a -> b -> c -> a") == true || cycle.first?.contains("b -> c -> a -> b") == true
                || cycle.first?.contains("c -> a -> b -> c") == true)
    }

    @Test func twoStagesClaimingOneOutputIsAnError() {
        let harness = EngineHarness(stages: [
            stage("a", outputs: ["out/model.bin"]),
            stage("b", outputs: ["out/model.bin"]),
            stage("c", outputs: ["out"]),
        ])
        let messages = harness.diagnostics()
        #expect(
            messages.contains(
                "stages 'a' and 'b' both claim output 'out/model.bin'; each output must belong to one stage"))
        #expect(messages.contains { $0.contains("'c'") && $0.contains("one contains the other") })
    }

    @Test func anInputThatNeitherExistsNorIsProducedIsAnError() {
        let harness = EngineHarness(stages: [stage("train", inputs: ["data/missing.csv"], outputs: ["m"])])
        #expect(
            harness.diagnostics() == [
                "stage 'train': input 'data/missing.csv' does not exist and no stage outputs it; create it or add the stage that writes it"
            ])
    }

    @Test func anInputInsideAnUpstreamOutputFolderIsFine() {
        let harness = EngineHarness(stages: [
            stage("prepare", outputs: ["data/prepared"]),
            stage("train", inputs: ["data/prepared/train.csv"], outputs: ["m"]),
        ])
        #expect(harness.diagnostics() == [])
        let graph = BuildGraph(pipeline: harness.pipeline)
        #expect(graph.dependencies[1] == [0])
    }

    @Test func anUnknownAfterStageSuggestsTheNearestName() {
        let harness = EngineHarness(stages: [
            stage("prepare", outputs: ["a"]), stage("train", outputs: ["b"], after: ["prepar"]),
        ])
        #expect(harness.diagnostics() == ["stage 'train' runs after unknown stage 'prepar'; did you mean 'prepare'?"])
    }

    @Test func aMissingParamsKeySuggestsTheNearestKey() {
        let harness = EngineHarness(stages: [stage("train", params: ["train.lrr"], outputs: ["m"])])
        harness.package.write("params.yaml", "train:\n  lr: 0.1\n  epochs: 3\n")
        #expect(
            harness.diagnostics() == [
                "stage 'train': params key 'train.lrr' does not exist in 'params.yaml'; did you mean 'train.lr'?"
            ])
    }

    @Test func aMissingParamsFileIsAnError() {
        let harness = EngineHarness(stages: [stage("train", params: ["train.lr"], outputs: ["m"])])
        #expect(harness.diagnostics().first?.contains("params file 'params.yaml' does not exist") == true)
    }

    @Test func anOutputOutsideTheRootOrBehindAnEscapingSymlinkIsAnError() {
        let harness = EngineHarness(stages: [
            stage("a", outputs: ["../elsewhere.txt"]),
            stage("b", outputs: ["link/model.bin"]),
        ])
        symlink("/tmp", harness.package.root + "/link")
        let messages = harness.diagnostics()
        #expect(messages.contains { $0.contains("stage 'a': output '../elsewhere.txt' is outside the package root") })
        #expect(messages.contains { $0.contains("stage 'b': output 'link/model.bin' lies behind the symlink 'link'") })
    }

    @Test func everyProblemIsReportedAtOnce() {
        let harness = EngineHarness(stages: [
            stage("a", inputs: ["missing"], outputs: ["x"]),
            stage("a", outputs: ["x"], after: ["zzz"]),
        ])
        #expect(
            harness.diagnostics().sorted() == [
                "stage 'a' runs after unknown stage 'zzz'; stages are: 'a', 'a'",
                "stage 'a': input 'missing' does not exist and no stage outputs it; create it or add the stage that writes it",
                "stages 'a' and 'a' both claim output 'x'; each output must belong to one stage",
                "two stages are named 'a'; stage names must be unique",
            ])
    }

    @Test func anUnknownCodeTargetSuggestsTheNearest() {
        var description = stage("train", outputs: ["m"])
        description.code = [PathSpec(kind: .target, path: "Trian")]
        let harness = EngineHarness(stages: [description])
        harness.targets = TargetSources(targets: ["Train": ["Sources/Train/main.swift"]], fromSwiftPM: true)
        #expect(
            harness.diagnostics() == [
                "stage 'train': code target 'Trian' is not a target of this package; did you mean 'Train'?"
            ])
    }
}
