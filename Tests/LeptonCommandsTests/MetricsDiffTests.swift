import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

#if canImport(Glibc)
    import Glibc
#endif

/// `metrics diff` against git revisions, `--precision` and `--metric`.
@Suite(.serialized)
struct MetricsDiffTests {
    @Test(arguments: [
        (0.987654321, 5, "0.98765"), (0.1, 5, "0.1"), (123456.789, 5, "1.2346e+05"), (42.0, 5, "42"),
        (-0.000003, 5, "-3e-06"), (0.00012345678, 3, "0.000123"), (9.999996, 5, "10"), (1e20, 5, "1e+20"),
        (0, 5, "0"), (-1.5, 2, "-1.5"), (0.30000000000000004, 5, "0.3"),
    ])
    func valuesPrintWithSignificantDigits(value: Double, digits: Int, text: String) {
        #expect(SignificantDigits.text(value, digits) == text)
    }

    @Test func smallChangesKeepTheirSignAndSize() {
        #expect(SignificantDigits.change(from: 0.9, to: 0.899997) == "-3e-06 (-0.000333%)")
        #expect(SignificantDigits.change(from: 0.5, to: 0.75) == "+0.25 (+50%)")
        #expect(SignificantDigits.change(from: 0, to: 2) == "+2")
        #expect(SignificantDigits.change(from: 1, to: 1) == "0 (0%)")
    }

    private func git(_ arguments: String, in directory: String) {
        _ = system("git -C '\(directory)' -c user.email=t@t -c user.name=t \(arguments) >/dev/null 2>&1")
    }

    @Test func aGitRevisionsMetricsAreItsMetricsFilesOnlyAndFiltersAndPrecisionApply() {
        let package = TemporaryPackage("metrics-diff")
        package.write("params.yaml", "train:\n  lr: 0.0123456789\n")
        package.write(
            "train.sh",
            "echo \"{\\\"lr\\\": $1}\" > model.json\necho \"{\\\"accuracy\\\": $1, \\\"loss\\\": 0.5}\" > m.json\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .stage(name: "train", command: "sh train.sh {param:train.lr}", code: ["train.sh"], params: ["train.lr"],
                       outputs: ["model.json"], metrics: ["m.json"]),
            ])
            """)
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        git("init -q", in: package.root)
        git("add Lepton.lock Leptonfile params.yaml train.sh", in: package.root)
        git("commit -q -m first", in: package.root)
        package.write("params.yaml", "train:\n  lr: 0.5\n")
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let diff = InProcess.run(["metrics", "diff", "HEAD"], in: package.root)
        #expect(diff.output.contains("m.json  accuracy  0.012346"), "\(diff.output)")
        #expect(!diff.output.contains("model.json"), "an output that is not a metrics file: \(diff.output)")
        let precise = InProcess.run(["metrics", "diff", "HEAD", "--precision", "8"], in: package.root)
        #expect(precise.output.contains("0.012345679"), "\(precise.output)")
        let all = InProcess.run(["metrics", "diff", "HEAD", "--all", "--metric", "loss"], in: package.root)
        #expect(all.output.contains("loss") && !all.output.contains("accuracy"), "\(all.output)")
        let shown = InProcess.run(["metrics", "show", "--metric", "m.json:acc*"], in: package.root)
        #expect(shown.output.contains("accuracy  0.5") && !shown.output.contains("loss"), "\(shown.output)")
    }

    @Test func twoRunsOrRevisionsCompareWithEachOtherInsteadOfTheWorkspace() throws {
        let package = TemporaryPackage("metrics-diff-two")
        package.write("params.yaml", "train:\n  lr: 0.1\n")
        package.write("train.sh", "echo \"{\\\"accuracy\\\": $1}\" > m.json\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .stage(name: "train", command: "sh train.sh {param:train.lr}", code: ["train.sh"], params: ["train.lr"],
                       metrics: ["m.json"]),
            ])
            """)
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        #expect(InProcess.run(["tag", "latest", "baseline"], in: package.root).status == 0)
        for lr in ["0.2", "0.3"] {
            package.write("params.yaml", "train:\n  lr: \(lr)\n")
            #expect(InProcess.run(["build"], in: package.root).status == 0)
        }
        let runs = try JSON.parse(InProcess.run(["runs", "--json"], in: package.root).output)["runs"]?.arrayValue ?? []
        let middle = runs.dropFirst().first?["id"]?.stringValue ?? ""
        // baseline (0.1) against the middle run (0.2), not the workspace (0.3).
        let metrics = InProcess.run(["metrics", "diff", "baseline", middle], in: package.root)
        #expect(metrics.output.contains("0.1") && metrics.output.contains("+0.1 (+100%)"), "\(metrics.output)")
        #expect(!metrics.output.contains("0.3"), "\(metrics.output)")
        let params = InProcess.run(["params", "diff", "baseline", middle, "--json"], in: package.root)
        let row = try JSON.parse(params.output)["params"]?.arrayValue?.first
        #expect(row?["old"]?.stringValue == "0.1" && row?["new"]?.stringValue == "0.2", "\(params.output)")
        #expect(
            InProcess.run(["params", "diff", "latest", "latest"], in: package.root).output.contains(
                "no parameter differs between"))
        #expect(InProcess.run(["metrics", "diff", "a", "b", "c"], in: package.root).status != 0)
    }
}
