import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

/// `lepton init --from-dvc` on a dvc.yaml with every construct the translation knows.
struct DVCMigrationTests {
    private static let dvcYAML = """
        stages:
          prepare:
            desc: Split the raw data
            cmd: python src/prepare.py data/data.xml
            deps:
            - data/data.xml
            - src/prepare.py
            params:
            - prepare.seed
            outs:
            - data/prepared
          train:
            cmd:
            - python src/train.py data/prepared model.pkl
            - echo done
            deps:
            - data/prepared
            - src/train.py
            params:
            - train.seed
            - extra.yaml:
            outs:
            - model.pkl:
                persist: true
          evaluate:
            wdir: eval
            cmd: python score.py ../model.pkl
            deps:
            - ../model.pkl
            - score.py
            outs:
            - report:
                cache: false
            metrics:
            - metrics.json
            plots:
            - report/roc.json:
                x: fpr
                y: tpr
          sweep:
            foreach: [0.1, 0.2]
            do:
              cmd: echo ${item} ${train.seed} > sweep-${item}.txt
              outs:
              - sweep-${item}.txt
          grid:
            matrix:
              model: [cnn, mlp]
              size: [1, 2]
            cmd: echo ${item.model} ${item.size} > grid-${item.model}-${item.size}.txt
            outs:
            - grid-${item.model}-${item.size}.txt
            frozen: true
        plots:
        - eval/report/roc.json
        - Shares:
            template: confusion_normalized
            x: actual
            y:
              eval/report/a.json: predicted
              eval/report/b.json: [p1, p2]
        - eval/report/importance.png
        - custom:
            template: my_template.json
            y: {eval/report/a.json: score}
        """

    private func project() -> TemporaryPackage {
        let package = TemporaryPackage("from-dvc")
        package.write("dvc.yaml", DVCMigrationTests.dvcYAML)
        package.write("params.yaml", "prepare:\n  seed: 1\ntrain:\n  seed: 2\n")
        package.write("extra.yaml", "model:\n  depth: 3\n  width: 8\n")
        package.write("data/data.xml.dvc", "outs:\n- md5: 0123\n  size: 4\n  path: data.xml\n")
        package.write("data/data.xml", "<x/>")
        for file in ["src/prepare.py", "src/train.py", "eval/score.py"] { package.write(file, "print(1)\n") }
        return package
    }

    @Test func everyConstructIsTranslatedAndWhatIsNotIsSaid() throws {
        let package = project()
        let migration = try DVCMigration(root: package.root)
        let text = migration.leptonfile
        // Order as in dvc.yaml; deps split into inputs and code; params by key.
        let names = text.split(separator: "\n").filter { $0.contains("name: \"") }.map { $0.drop { $0 == " " } }
        let expected = ["name: \"prepare\",", "name: \"train\",", "name: \"evaluate\","]
        #expect(names.dropFirst().prefix(3).map(String.init) == expected, "\(names)")
        #expect(text.contains("// Split the raw data"))
        #expect(text.contains("inputs: [\"data/data.xml\"],\n            code: [\"src/prepare.py\"]"), "\(text)")
        #expect(text.contains("command: \"python src/train.py data/prepared model.pkl && echo done\""))
        // A whole params file: each of its keys.
        #expect(
            text.contains(".key(\"model.depth\", file: \"extra.yaml\"), .key(\"model.width\", file: \"extra.yaml\")"))
        // wdir: a cd, and paths from the package root; the plot inside an output folder stays in it.
        #expect(text.contains("command: \"cd eval && python score.py ../model.pkl\""))
        #expect(text.contains("inputs: [\"model.pkl\"],\n            code: [\"eval/score.py\"]"), "\(text)")
        #expect(text.contains("outputs: [\"eval/report\"],\n            metrics: [\"eval/metrics.json\"]"), "\(text)")
        // foreach and matrix as loops; ${item} interpolated, ${key} a parameter.
        #expect(text.contains("for item in [0.1, 0.2] {"))
        #expect(text.contains("command: \"echo \\(item) {param:train.seed} > sweep-\\(item).txt\""), "\(text)")
        #expect(text.contains("for model in [\"cnn\", \"mlp\"] {\n    for size in [1, 2] {"))
        #expect(text.contains("name: \"grid-\\(model)-\\(size)\""))
        #expect(text.contains("data: [\"data/data.xml\"]"))
        // Plots: a stage's (its wdir applied) as a modifier, the top-level ones in Pipeline(plots:).
        #expect(
            text.contains("    )\n            .plots(.plot(\"eval/report/roc.json\", x: \"fpr\", y: \"tpr\")),"),
            "\(text)")
        #expect(text.contains("    plots: [\n        .plot(\"eval/report/roc.json\"),\n"))
        #expect(
            text.contains(
                ".plot(\"Shares\", x: \"actual\", y: [\"eval/report/a.json\": \"predicted\", \"eval/report/b.json\": \"p1\", \"eval/report/b.json\": \"p2\"], template: .confusionNormalized),"
            ))
        #expect(text.contains(".image(\"eval/report/importance.png\"),"))
        #expect(migration.notes.contains { $0.contains("template 'my_template.json', which Lepton does not have") })
        for said in ["persist: true", "cache: false", "frozen"] {
            #expect(text.contains(said), "the Leptonfile does not mention \(said)")
        }
        #expect(migration.notes.contains { $0.contains("every key of extra.yaml") })
    }

    @Test func theTranslatedLeptonfileLoadsAndBuilds() {
        let package = project()
        let initialized = LeptonBinary.run(["init", "--from-dvc"], in: package.root)
        #expect(initialized.status == 0, "\(initialized.output)")
        #expect(initialized.output.contains("not translated: "), "\(initialized.output)")
        let dag = LeptonBinary.run(["dag"], in: package.root)
        #expect(dag.status == 0, "\(dag.output)")
        #expect(dag.output.contains("train <- prepare") && dag.output.contains("evaluate <- train"), "\(dag.output)")
        #expect(dag.output.contains("grid-mlp-2") && dag.output.contains("sweep-0.2"))
        // No dvc.yaml: a clear error.
        let empty = TemporaryPackage("from-dvc-none")
        let missing = LeptonBinary.run(["init", "--from-dvc"], in: empty.root)
        #expect(missing.status == 2 && missing.output.contains("there is no dvc.yaml"), "\(missing.output)")
        #expect(!empty.exists("Leptonfile"))
    }
}
