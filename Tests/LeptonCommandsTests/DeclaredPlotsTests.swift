import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

#if canImport(Glibc)
    import Glibc
#endif

/// A pipeline whose evaluate stage writes a file for every kind of declared plot, its values
/// following the `eval.score` parameter.
private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("declared-plots")
    package.write("params.yaml", "eval:\n  score: 0.5\n")
    package.write(
        "eval.sh",
        """
        mkdir -p eval/roc
        printf '{"roc": [{"fpr": 0, "tpr": 0}, {"fpr": 0.5, "tpr": %s}, {"fpr": 1, "tpr": 1}]}' "$1" > eval/roc/train.json
        printf '{"roc": [{"fpr": 0, "tpr": 0}, {"fpr": 0.5, "tpr": 0.6}, {"fpr": 1, "tpr": 1}]}' > eval/roc/test.json
        printf '[{"actual": "cat", "predicted": "cat"}, {"actual": "cat", "predicted": "dog"}, {"actual": "dog", "predicted": "dog"}, {"actual": "dog", "predicted": "dog"}]' > eval/cm.json
        printf 'epoch,loss\\n1,0.9\\n2,%s\\n3,0.2\\n' "$1" > loss.csv
        printf 'feature\\timportance\\nage\\t0.3\\nincome\\t%s\\nheight\\t0.1\\n' "$1" > eval/importance.tsv
        printf -- '- {step: 1, value: 3}\\n- {step: 2, value: 4}\\n' > eval/values.yaml
        printf '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#c00"/></svg>' > eval/picture.svg
        """)
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(
            params: "params.yaml",
            stages: [
                .stage(name: "evaluate", command: "sh eval.sh {param:eval.score}", code: ["eval.sh"],
                       params: ["eval.score"], outputs: [.folder("eval")])
                    .plots(.plot("loss.csv", x: "epoch", y: "loss", template: .smooth, title: "Loss")),
            ],
            plots: [
                .plot("ROC", x: "fpr", y: ["eval/roc/train.json": "tpr", "eval/roc/test.json": "tpr"], template: .simple),
                .plot("eval/roc/test.json", x: "fpr", y: "tpr", template: .scatter, title: "ROC points"),
                .plot("Confusion", x: "actual", y: ["eval/cm.json": "predicted"], template: .confusion),
                .plot("Shares", x: "actual", y: ["eval/cm.json": "predicted"], template: .confusionNormalized),
                .plot("eval/importance.tsv", x: "feature", y: "importance", template: .barSorted, title: "Importance"),
                .plot("eval/values.yaml", x: "step", title: "Values"),
                .image("eval/picture.svg", title: "Picture"),
            ]
        )
        """)
    return package
}

/// Where `needle` first occurs in `text`, as a character offset.
private func offset(of needle: String, in text: String) -> Int? {
    let characters = Array(text)
    let pattern = Array(needle)
    guard pattern.count <= characters.count else { return nil }
    return (0...(characters.count - pattern.count)).first {
        characters[$0..<($0 + pattern.count)].elementsEqual(pattern)
    }
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.split(separator: needle, omittingEmptySubsequences: false).count - 1
}

private func git(_ arguments: String, in directory: String) {
    _ = system("git -C '\(directory)' -c user.email=t@t -c user.name=t \(arguments) >/dev/null 2>&1")
}

/// The rows one revision's copy of a plot's file holds, from `plots … --json`.
private func rows(_ output: String, plot: String, revision: String, file: String) throws -> [JSON] {
    let document = try JSON.parse(output)
    let plots = try #require(document["plots"]?.arrayValue)
    let found = try #require(plots.first { $0["name"]?.stringValue == plot }, "no plot '\(plot)' in \(output)")
    let entry = try #require(
        found["data"]?.arrayValue?.first {
            $0["revision"]?.stringValue == revision && $0["file"]?.stringValue == file
        }, "no \(revision) \(file) in \(found)")
    return entry["rows"]?.arrayValue ?? []
}

@Suite(.serialized)
struct DeclaredPlotsTests {
    @Test func everyTemplateIsDrawnFromTheWorkspaceInOneSelfContainedPage() throws {
        let package = fixture()
        let build = LeptonBinary.run(["build"], in: package.root)
        #expect(build.status == 0, "\(build.output)")
        #expect(package.exists("loss.csv"), "a stage's plot file is its output")
        let result = LeptonBinary.run(["plots", "-o", "report"], in: package.root)
        #expect(result.status == 0 && !result.output.contains("warning"), "\(result.output)")
        let html = try #require(package.read("report/index.html"))
        for title in ["ROC", "ROC points", "Confusion", "Shares", "Importance", "Values", "Loss", "Picture"] {
            #expect(html.contains(">\(title)</text>") || html.contains("\(title)</figcaption>"), "\(title)")
        }
        #expect(html.contains("src=\"data:image/svg+xml;base64,"), "the image is embedded")
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        // The confusion matrix counts rows by (actual, predicted): cat→cat 1, cat→dog 1, dog→dog 2.
        let confusion = try #require(package.read("report/plot-3.svg"))
        #expect(confusion.contains("actual cat, predicted dog: 1</title>"))
        #expect(confusion.contains("actual dog, predicted dog: 2</title>"))
        #expect(confusion.contains("actual dog, predicted cat: 0</title>"))
        let shares = try #require(package.read("report/plot-4.svg"))
        #expect(
            shares.contains("actual cat, predicted cat: 0.5</title>")
                && shares.contains("dog, predicted dog: 1</title>"))
        // Sorted bars: income (0.5) above age (0.3) above height (0.1).
        let bars = try #require(package.read("report/plot-5.svg"))
        let order = ["income", "age", "height"].compactMap { offset(of: ">\($0)</text>", in: bars) }
        #expect(order.count == 3 && order == order.sorted(), "bars largest first")
        // Two files overlaid: both in the legend.
        let roc = try #require(package.read("report/plot-1.svg"))
        #expect(roc.contains(">eval/roc/train.json</text>") && roc.contains(">eval/roc/test.json</text>"))
        let json = LeptonBinary.run(["plots", "--json"], in: package.root)
        let values = try rows(json.output, plot: "Values", revision: "workspace", file: "eval/values.yaml")
        #expect(values.map { $0["value"]?.doubleValue } == [3, 4], "YAML rows are read")
    }

    @Test func plotsDiffOverlaysRunsAndGitRevisionsFromTheCache() throws {
        let package = fixture()
        // Outputs stay out of git, as with DVC: HEAD's copies can only come from the cache.
        package.write(".gitignore", "eval/\nloss.csv\n.lepton/\n")
        git("init -q", in: package.root)
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        git("add -A", in: package.root)
        git("commit -qm first", in: package.root)
        #expect(LeptonBinary.run(["build", "--set", "eval.score=0.7"], in: package.root).status == 0)
        // HEAD against the workspace: HEAD's file inside the eval folder comes from the cache.
        let diff = LeptonBinary.run(["plots", "diff", "HEAD", "--json"], in: package.root)
        #expect(diff.status == 0, "\(diff.output)")
        let old = try rows(diff.output, plot: "ROC", revision: "HEAD", file: "eval/roc/train.json")
        let new = try rows(diff.output, plot: "ROC", revision: "workspace", file: "eval/roc/train.json")
        #expect(old.map { $0["tpr"]?.doubleValue } == [0, 0.5, 1])
        #expect(new.map { $0["tpr"]?.doubleValue } == [0, 0.7, 1])
        // Two runs, no workspace: the report's legends name each run.
        let runs = RunHistory(workspace: package.workspace).all().map(\.id)
        #expect(runs.count == 2)
        let report = LeptonBinary.run(["plots", "diff", runs[1], runs[0], "-o", "diff"], in: package.root)
        #expect(report.status == 0 && !report.output.contains("warning"), "\(report.output)")
        let roc = try #require(package.read("diff/plot-1.svg"))
        #expect(roc.contains(">run \(runs[1]) · eval/roc/train.json</text>"))
        #expect(roc.contains(">run \(runs[0]) · eval/roc/test.json</text>"))
        #expect(!roc.contains("workspace"))
        let loss = try #require(package.read("diff/plot-8.svg"))
        #expect(
            loss.contains(">run \(runs[1])</text>") && loss.contains(">run \(runs[0])</text>"), "a stage's own plot")
        let html = try #require(package.read("diff/index.html"))
        #expect(occurrences(of: "data:image/svg+xml;base64,", in: html) == 2, "an image per run")
        // Bytes gone from the cache: the plot says how to get them back, the command still writes.
        try PosixFileSystem().remove(package.root + "/.lepton/cache")
        let missing = LeptonBinary.run(["plots", "diff", "HEAD", "-o", "gone"], in: package.root)
        #expect(missing.status == 0)
        #expect(
            missing.output.contains(
                "eval/roc/train.json (HEAD): its bytes are not in the local cache; run 'lepton pull'"))
        let unknown = LeptonBinary.run(["plots", "diff", "no-such-rev"], in: package.root)
        #expect(unknown.status != 0 && unknown.output.contains("'no-such-rev' is neither a run nor a tag"))
    }

    @Test func dataFilesAreReadInEveryFormatDVCWrites() throws {
        let csv = try PlotTable.parse(path: "a.csv", bytes: Array("x, y\n1, 2\n3,\"4\"\n".utf8))
        #expect(
            csv.fields == ["x", "y"]
                && csv.rows == [["x": .number(1), "y": .number(2)], ["x": .number(3), "y": .number(4)]])
        #expect(csv.defaultFields(excluding: "x", delimited: true) == ["y"])
        let tsv = try PlotTable.parse(path: "a.tsv", bytes: Array("name\tvalue\nab\t0.5\n".utf8))
        #expect(tsv.rows == [["name": .text("ab"), "value": .number(0.5)]])
        let held = try PlotTable.parse(
            path: "a.json", bytes: Array(#"{"prc": [{"p": 1, "r": "0.5", "k": true}]}"#.utf8))
        #expect(held.rows == [["p": .number(1), "r": .number(0.5), "k": .text("true")]])
        #expect(held.defaultFields(excluding: "r", delimited: false) == ["p"])
        #expect(throws: LeptonError.self) { try PlotTable.parse(path: "a.json", bytes: Array(#"{"a": 1}"#.utf8)) }
        #expect(throws: LeptonError.self) { try PlotTable.parse(path: "a.json", bytes: Array("[1,".utf8)) }
    }

    @Test func base64MatchesTheStandardVectors() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (text, encoded) in vectors { #expect(Base64.encode(Array(text.utf8)) == encoded, "\(text)") }
    }

    /// Every template and an image drawn by a real headless browser (Chromium, installed by
    /// `.ci/run`): the screenshot has content and the DOM holds every chart.
    @Test(.enabled(if: slowTestsEnabled)) func everyTemplateRendersInHeadlessChromium() throws {
        let package = fixture()
        git("init -q", in: package.root)
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        git("add -A", in: package.root)
        git("commit -qm first", in: package.root)
        #expect(LeptonBinary.run(["build", "--set", "eval.score=0.8"], in: package.root).status == 0)
        #expect(LeptonBinary.run(["plots", "-o", "report"], in: package.root).status == 0)
        #expect(LeptonBinary.run(["plots", "diff", "-o", "diff"], in: package.root).status == 0)
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        let chromium = try #require(
            candidates.first { PosixFileSystem().exists($0) },
            "install Chromium (apt-get install chromium); .ci/run does")
        let flags = "--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1800"
        for folder in ["report", "diff"] {
            let page = "file://\(package.root)/\(folder)/index.html"
            let screenshot = package.root + "/\(folder).png"
            #expect(system("'\(chromium)' \(flags) --screenshot='\(screenshot)' '\(page)' > /dev/null 2>&1") == 0)
            let png = try PosixFileSystem().read(screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 40_000, "\(folder): \(png.count) bytes")
            let dom = package.root + "/\(folder).html"
            #expect(system("'\(chromium)' \(flags) --dump-dom '\(page)' > '\(dom)' 2>/dev/null") == 0)
            let rendered = try PosixFileSystem().readText(dom)
            #expect(occurrences(of: "<svg", in: rendered) >= 7, "\(folder): every chart is in the DOM")
            #expect(rendered.contains("<img src=\"data:image/svg+xml;base64,"))
        }
    }
}
