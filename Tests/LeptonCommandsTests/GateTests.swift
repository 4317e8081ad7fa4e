import LeptonCore
import Testing
import _LeptonTestSupport

/// A "training" stage whose accuracy is its learning rate, gated, and a deploy stage after it.
private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("gates")
    package.write("params.yaml", "train:\n  lr: 0.5\n")
    package.write(
        "train.sh", "echo run >> runs.log\necho \"model $1\" > model.bin\necho \"{\\\"accuracy\\\": $1}\" > m.json\n")
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(params: "params.yaml", stages: [
            .stage(name: "train", command: "sh train.sh {param:train.lr}", params: ["train.lr"], outputs: ["model.bin"],
                   metrics: ["m.json"], gates: ["accuracy >= 0.02", "m.json:accuracy >= previous - 10%"]),
            .stage(name: "deploy", command: "cp model.bin deployed.bin", inputs: ["model.bin"], outputs: ["deployed.bin"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct GateTests {
    @Test func aFailedGateFailsTheBuildWithStatus3AndPromotesNothing() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        #expect(package.read("deployed.bin") == "model 0.5\n")

        let absolute = InProcess.run(["build", "--set", "train.lr=0.01"], in: package.root)
        #expect(absolute.status == 3, "\(absolute.output)")
        #expect(absolute.output.contains("quality gate failed: accuracy is 0.01, the build requires accuracy >= 0.02"))
        #expect(absolute.output.contains("build failed (quality gate)"))
        #expect(package.read("deployed.bin") == "model 0.5\n", "deploy must not run after a failed gate")
        #expect(package.read("Lepton.lock")?.contains("\"train.lr\": 0.5") == true, "the lock keeps the accepted run")

        // Building the same failing combination again restores it and checks again: no rerun.
        let again = InProcess.run(["build", "--set", "train.lr=0.01"], in: package.root)
        #expect(again.status == 3)
        #expect(package.read("runs.log")?.split(separator: "\n").count == 2, "\(again.output)")

        let relative = InProcess.run(["build", "--set", "train.lr=0.4"], in: package.root)
        #expect(relative.status == 3)
        #expect(
            relative.output.contains("m.json:accuracy >= previous - 10%: the last successful run gives 0.45"),
            "\(relative.output)")

        let better = InProcess.run(["build", "--set", "train.lr=0.48"], in: package.root)
        #expect(better.status == 0, "\(better.output)")
        #expect(package.read("deployed.bin") == "model 0.48\n")
    }

    @Test func aGateThatDoesNotParseIsAPipelineError() {
        let package = fixture()
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(stages: [
                .stage(name: "a", command: "true", metrics: ["m.json"], gates: ["accuracy >= previous * 2"]),
                .stage(name: "b", command: "true", gates: ["loss < 1"]),
            ])
            """)
        let result = InProcess.run(["build"], in: package.root)
        #expect(result.status == 2)
        #expect(result.output.contains("stage 'a': invalid gate 'accuracy >= previous * 2'"), "\(result.output)")
        #expect(result.output.contains("stage 'b': gate 'loss < 1' needs metrics files"))
    }

    @Test func pipelineGatesApplyToTheStagesWhoseMetricsHoldTheMetric() {
        let package = fixture()
        package.write("other.sh", "echo '{\"loss\": 9}' > other.json\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .stage(name: "train", command: "sh train.sh {param:train.lr}", params: ["train.lr"], outputs: ["model.bin"],
                       metrics: ["m.json"]),
                .stage(name: "other", command: "sh other.sh", metrics: ["other.json"]),
            ], gates: ["accuracy >= 0.3"])
            """)
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let failed = InProcess.run(["build", "--set", "train.lr=0.1"], in: package.root)
        #expect(failed.status == 3, "\(failed.output)")
        #expect(failed.output.contains("quality gate failed: accuracy is 0.1, the build requires accuracy >= 0.3"))
        #expect(!failed.output.contains("failed      other"), "\(failed.output)")
    }
}
