import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

/// `lepton runs` as DVC's `exp show`: params and metrics as columns, sorted and filtered, CSV.
@Suite(.serialized)
struct ExperimentsTableTests {
    /// A "training" whose accuracy peaks at lr 0.05; four learning rates and another optimizer.
    private func swept() -> TemporaryPackage {
        let package = TemporaryPackage("experiments")
        package.write("params.yaml", "train:\n  lr: 0.01\n  opt: adam\n  seed: 1\n")
        package.write(
            "Leptonfile",
            #"""
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .stage(name: "train",
                       command: "echo \"{\\\"accuracy\\\": $(python3 -c 'print(round(1 - abs({param:train.lr} - 0.05), 6))'), \\\"loss\\\": {param:train.lr}}\" > m.json",
                       params: ["train.lr", "train.opt", "train.seed"], metrics: ["m.json"]),
            ])
            """#)
        for lr in ["0.01", "0.05", "0.1", "0.2"] {
            #expect(InProcess.run(["build", "--set", "train.lr=\(lr)"], in: package.root).status == 0)
        }
        #expect(InProcess.run(["build", "--set", "train.opt=sgd"], in: package.root).status == 0)
        return package
    }

    private func csv(_ package: TemporaryPackage, _ arguments: [String]) -> [[String]] {
        InProcess.run(["runs", "--csv"] + arguments, in: package.root).output.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func changedParamsAndEveryMetricBecomeColumns() {
        let package = swept()
        let table = csv(package, ["--params", "--metrics"])
        let header = table.first ?? []
        // train.seed never changed: no column; lr and opt did.
        #expect(
            header.contains("train.lr") && header.contains("train.opt") && !header.contains("train.seed"), "\(header)")
        #expect(header.contains("accuracy") && header.contains("loss"))
        #expect(table.count == 6)
        let opt = header.firstIndex(of: "train.opt") ?? 0
        #expect(table[1][opt] == "sgd" && table[2][opt] == "adam", "newest first: \(table)")
    }

    @Test func runsSortByAMetricAndFilterByConditions() {
        let package = swept()
        let sorted = csv(package, ["--param", "train.lr", "--metric", "accuracy", "--sort-by", "accuracy"])
        #expect(sorted.dropFirst().map { $0[5] } == ["0.05", "0.01", "0.01", "0.1", "0.2"], "\(sorted)")
        let ascending = csv(package, ["--param", "train.lr", "--sort-by", "train.lr", "--sort-order", "asc"])
        #expect(ascending.dropFirst().map { $0[5] } == ["0.01", "0.01", "0.05", "0.1", "0.2"], "\(ascending)")
        let filtered = csv(
            package, ["--param", "train.lr", "--where", "accuracy >= 0.95", "--where", "train.lr < 0.1"])
        #expect(filtered.dropFirst().map { $0[5] }.sorted() == ["0.01", "0.01", "0.05"], "\(filtered)")
        let none = InProcess.run(["runs", "--where", "accuracy > 2"], in: package.root)
        #expect(none.output.contains("no run meets accuracy > 2"), "\(none.output)")
        let bad = InProcess.run(["runs", "--where", "accuracy is high"], in: package.root)
        #expect(bad.status != 0 && bad.output.contains("--where 'accuracy is high'"), "\(bad.output)")
    }
}
