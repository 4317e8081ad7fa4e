import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("sweep")
    package.write("params.yaml", "train:\n  lr: 0.5\n  width: 1\n")
    package.write(
        "train.sh",
        "echo run >> runs.log\necho \"model $1 $2\" > model.bin\necho \"{\\\"accuracy\\\": $1, \\\"loss\\\": $2}\" > m.json\n"
    )
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(params: "params.yaml", stages: [
            .stage(name: "train", command: "sh train.sh {param:train.lr} {param:train.width}",
                   params: ["train.lr", "train.width"], outputs: ["model.bin"], metrics: ["m.json"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct SweepTests {
    @Test func aSweepBuildsTheGridMarksTheBestAndCostsNothingTheSecondTime() throws {
        let package = fixture()
        // One at a time, so in-process (parallel combinations start `lepton build` processes).
        let first = InProcess.run(
            ["sweep", "--set", "train.lr=0.1,0.3,0.2", "--set", "train.width=1,2", "-j", "1"], in: package.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("[6/6] train.lr=0.2 train.width=2"))
        let best = first.output.split(separator: "\n").first { $0.hasPrefix("*") } ?? ""
        #expect(best.contains("0.3"), "\(first.output)")
        #expect(first.output.contains("best by highest accuracy"))
        // 6 combinations, then the params file's own values.
        #expect(package.read("runs.log")?.split(separator: "\n").count == 7)
        #expect(package.read("model.bin") == "model 0.5 1\n", "the workspace is back to the params file's values")

        let second = InProcess.run(
            ["sweep", "--set", "train.lr=0.1,0.3,0.2", "--set", "train.width=1,2", "--json", "-j", "1"],
            in: package.root)
        #expect(package.read("runs.log")?.split(separator: "\n").count == 7, "cached combinations are not rerun")
        let parsed = try JSON.parse(second.output)
        #expect(parsed["runs"]?.arrayValue?.count == 6)
        #expect(parsed["best"]?.stringValue != nil)
    }

    @Test func randomSamplesTheGridAndMinimizeChoosesTheLowest() {
        let package = fixture()
        let result = LeptonBinary.run(
            [
                "sweep", "--set", "train.lr=0.1,0.2,0.3,0.4", "--set", "train.width=3,1,2", "--random", "3",
                "--minimize", "loss",
                "--metric", "loss",
            ],
            in: package.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("[3/3]") && !result.output.contains("[4/3]"))
        #expect(result.output.contains("best by lowest loss"))
    }

    /// With --jobs 2 the combinations build two at a time in copies of the package that share
    /// its cache; their runs land in the package's history, and a repeat restores everything.
    @Test func combinationsBuildInParallelCopiesSharingTheCache() throws {
        let package = fixture()
        let arguments = ["sweep", "--set", "train.lr=0.1,0.3", "--set", "train.width=1,2", "-j", "2", "--json"]
        let first = LeptonBinary.run(arguments, in: package.root)
        #expect(first.status == 0, "\(first.output)")
        let runs = try JSON.parse(first.output)["runs"]?.arrayValue ?? []
        #expect(runs.count == 4)
        #expect(runs.allSatisfy { $0["status"]?.stringValue == "succeeded" })
        let best = runs.first { $0["params"]?.arrayValue?.first?.stringValue == "train.lr=0.3" }
        #expect(best?["metrics"]?["accuracy"]?.doubleValue == 0.3)
        #expect(!PosixFileSystem().exists(package.root + "/.lepton/sweep"), "the copies are removed")
        #expect(package.read("model.bin") == "model 0.5 1\n")

        let again = try JSON.parse(LeptonBinary.run(arguments, in: package.root).output)
        let ids = (again["runs"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        let history = try JSON.parse(LeptonBinary.run(["runs", "--json"], in: package.root).output)
        let outcomes = (history["runs"]?.arrayValue ?? []).filter { ids.contains($0["id"]?.stringValue ?? "") }
            .compactMap { $0["stages"]?["train"]?["outcome"]?.stringValue }
        #expect(outcomes == ["restored", "restored", "restored", "restored"], "\(outcomes)")
    }
}
