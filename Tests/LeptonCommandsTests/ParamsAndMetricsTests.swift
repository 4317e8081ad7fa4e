import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("params-metrics")
    package.write("params.yaml", "train:\n  lr: 0.01\n  layers: 2\nother: 1\n")
    package.write(
        "train.sh",
        #"""
        cat data.txt params.yaml > model.bin
        printf '{"eval": {"accuracy": 0.9, "ok": true, "name": "x"}, "cm": [[1]]}' > m.json
        printf 'epoch,loss\n1,0.5\n2,0.25\n' > h.csv
        """#)
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(params: "params.yaml", stages: [
            .stage(name: "prepare", command: "echo data > data.txt", params: ["other"], outputs: ["data.txt"]),
            .stage(name: "train", command: "sh train.sh", inputs: ["data.txt"], params: ["train.lr", "train.layers"],
                   outputs: ["model.bin"], metrics: ["m.json", "h.csv"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct ParamsAndMetricsTests {
    @Test func setOverridesAValueForOneBuildAndTheNextBuildRestores() throws {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let status = InProcess.run(["status", "--set", "train.lr=0.003"], in: package.root)
        #expect(status.status == 1)
        #expect(status.output.contains("train: param train.lr changed 0.01 -> 0.003"), "\(status.output)")
        let overridden = InProcess.run(["build", "--set", "train.lr=0.003"], in: package.root)
        #expect(stagesThatRan(overridden.output) == ["train"], "\(overridden.output)")
        #expect(package.read("Lepton.lock")?.contains("\"train.lr\": 0.003") == true)
        #expect(package.read("params.yaml")?.contains("lr: 0.01") == true)
        let back = InProcess.run(["build"], in: package.root)
        #expect(stagesThatRan(back.output).isEmpty)
        #expect(back.output.contains("restored    train"), "\(back.output)")
        // The same value written differently is the same value.
        let same = InProcess.run(["build", "--set", "train.lr=1e-2"], in: package.root)
        #expect(same.output.contains("up to date  train"), "\(same.output)")
    }

    @Test func anUnknownOrMalformedSetIsAUsageError() {
        let package = fixture()
        let unknown = InProcess.run(["build", "--set", "train.lrr=1"], in: package.root)
        #expect(unknown.status == 64)
        #expect(unknown.output.contains("no stage declares the parameter 'train.lrr'; did you mean 'train.lr'?"))
        let malformed = InProcess.run(["build", "--set", "train.lr"], in: package.root)
        #expect(malformed.status == 64)
        #expect(malformed.output.contains("is not KEY=VALUE"))
    }

    @Test func paramsShowListsValuesFilesAndReaders() {
        let package = fixture()
        let table = InProcess.run(["params", "show", "--set", "other=5"], in: package.root)
        #expect(table.status == 0, "\(table.output)")
        #expect(table.output.contains("train.lr      0.01   params.yaml  train"), "\(table.output)")
        #expect(table.output.contains("other         5      params.yaml  prepare"), "\(table.output)")
        let json = InProcess.run(["params", "show", "--json"], in: package.root)
        let parsed = try? JSON.parse(json.output)
        #expect(parsed?["params"]?.arrayValue?.count == 3, "\(json.output)")
    }

    @Test func metricsShowFlattensAndSpeaksPrometheus() {
        let package = fixture()
        #expect(InProcess.run(["build"], in: package.root).status == 0)
        let table = InProcess.run(["metrics", "show"], in: package.root)
        #expect(table.output.contains("train  m.json  eval.accuracy  0.9"), "\(table.output)")
        #expect(table.output.contains("train  h.csv   loss           0.25"), "\(table.output)")
        #expect(!table.output.contains("cm") && !table.output.contains("eval.name"))
        let prometheus = InProcess.run(["metrics", "show", "--format", "prometheus"], in: package.root)
        #expect(prometheus.output.contains("# TYPE lepton_metric gauge"))
        #expect(
            prometheus.output.contains(#"lepton_metric{stage="train",file="m.json",name="eval.ok"} 1"#),
            "\(prometheus.output)")
        let json = InProcess.run(["metrics", "show", "--json"], in: package.root)
        #expect((try? JSON.parse(json.output))?["metrics"]?["h.csv"]?["epoch"]?.doubleValue == 2, "\(json.output)")
    }
}
