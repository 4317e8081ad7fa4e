import LeptonCore
import LeptonLoading
import LeptonSystem
import Testing
import _LeptonTestSupport

/// Resources as a Leptonfile declares them, through the real compiler.
struct ResourceLoadingTests {
    @Test func stageResourcesTheModifierAndPipelineDefaultsLoadMergedPerStage() throws {
        let package = TemporaryPackage("resources")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(
                name: "res",
                stages: [
                    .stage(name: "prepare", command: "true", outputs: ["a"],
                           resources: Resources(cpus: 4, memory: "8G", time: "30m", partition: "big")),
                    .train(name: "train", data: .csv("data.csv", label: "y"), model: [.dense(2)], checkpoint: "m.safetensors")
                        .resources(cpus: .param("train.cpus"), gpus: 1, executor: .local),
                    .stage(name: "plain", command: "true", outputs: ["c"]),
                ],
                resources: Resources(memory: "1G", executor: .slurm, account: "ml", options: ["exclusive": ""])
            )
            """)
        let pipeline = try LeptonfileLoader(workspace: package.workspace).load().pipeline
        let byName = Dictionary(uniqueKeysWithValues: pipeline.stages.map { ($0.name, $0.resources) })
        #expect(
            byName["prepare"]
                == ResourceSpec(
                    cpus: .literal("4"), memory: .literal("8G"), time: .literal("30m"), executor: .slurm,
                    options: ["partition": "big", "account": "ml", "exclusive": ""]))
        #expect(
            byName["train"]
                == ResourceSpec(
                    cpus: .param(key: "train.cpus", file: nil), memory: .literal("1G"), gpus: .literal("1"),
                    executor: .local, options: ["account": "ml", "exclusive": ""]))
        #expect(
            byName["plain"]
                == ResourceSpec(memory: .literal("1G"), executor: .slurm, options: ["account": "ml", "exclusive": ""]))
        // The cached description keeps them.
        let cached = try LeptonfileLoader(workspace: package.workspace).load()
        #expect(cached.source == .cache)
        #expect(cached.pipeline == pipeline)
    }

    @Test func anAmountThatIsNotOneIsAnErrorNamingTheStageAndWhatIsExpected() {
        let package = TemporaryPackage("resources-bad")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "train", command: "true", outputs: ["a"], resources: Resources(memory: "8Q", time: "soon")),
            ])
            """)
        #expect {
            try LeptonfileLoader(workspace: package.workspace).load()
        } throws: { error in
            let message = (error as? LeptonError)?.message ?? ""
            return message.contains("stage 'train': memory '8Q' is not an amount of memory")
                && message.contains("stage 'train': time 'soon' is not a time limit")
        }
    }
}
