import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

#if canImport(Glibc)
    import Glibc
#endif

private func fixture() -> TemporaryPackage {
    let package = TemporaryPackage("plots")
    package.write("params.yaml", "train:\n  lr: 0.5\n")
    package.write(
        "train.sh",
        """
        echo "model $1" > model.bin
        echo "{\\"accuracy\\": $1, \\"loss\\": 0.3}" > m.json
        printf '[{"epoch": 1, "loss": 0.9, "accuracy": 0.5}, {"epoch": 2, "loss": 0.5, "accuracy": %s}]' "$1" > history.json
        """)
    package.write(
        "Leptonfile",
        """
        import LeptonDescription
        let pipeline = Pipeline(name: "plots", params: "params.yaml", stages: [
            .stage(name: "train", command: "sh train.sh {param:train.lr}", params: ["train.lr"],
                   outputs: ["model.bin", "history.json"], metrics: ["m.json"]),
            .stage(name: "package", command: "cp model.bin dist.bin", inputs: ["model.bin"], outputs: ["dist.bin"]),
        ])
        """)
    return package
}

@Suite(.serialized)
struct PlotsTests {
    @Test func theReportIsSelfContainedWithCurvesRunsAndTheGraph() throws {
        let package = fixture()
        _ = LeptonBinary.run(["sweep", "--set", "train.lr=0.6,0.7"], in: package.root)
        let result = LeptonBinary.run(["plots", "-o", "report"], in: package.root)
        #expect(result.status == 0, "\(result.output)")
        let html = try #require(package.read("report/index.html"))
        #expect(html.contains("train: loss by epoch") && html.contains("accuracy by run"))
        #expect(html.contains("train.lr=0.7"), "the runs table shows the sweep's values")
        #expect(!html.contains("<script") && !html.contains("src=\"http"), "no scripts, nothing fetched")
        #expect(html.split(separator: "<svg", omittingEmptySubsequences: false).count - 1 >= 4)
        #expect(package.read("report/dag.svg")?.contains(">package</text>") == true)
        let dag = LeptonBinary.run(["dag", "--format", "svg"], in: package.root)
        #expect(dag.output.hasPrefix("<svg") && dag.output.contains(">train</text>"))
    }

    /// Renders the report in a real headless browser (Chromium from Debian, installed by
    /// `.ci/run`) and checks the screenshot and the rendered DOM.
    @Test(.enabled(if: slowTestsEnabled)) func theReportRendersInHeadlessChromium() throws {
        let package = fixture()
        _ = LeptonBinary.run(["sweep", "--set", "train.lr=0.6,0.7,0.8"], in: package.root)
        #expect(LeptonBinary.run(["plots", "-o", "report"], in: package.root).status == 0)
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        let browser = candidates.first { PosixFileSystem().exists($0) }
        let chromium = try #require(browser, "install Chromium (apt-get install chromium); .ci/run does")
        let page = "file://\(package.root)/report/index.html"
        let flags = "--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1600"
        let screenshot = package.root + "/screenshot.png"
        let status = system("'\(chromium)' \(flags) --screenshot='\(screenshot)' '\(page)' > /dev/null 2>&1")
        #expect(status == 0)
        let png = try PosixFileSystem().read(screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        #expect(png.count > 20_000, "a blank page compresses to a few KB; charts do not (\(png.count) bytes)")
        let dom = package.root + "/dom.html"
        #expect(system("'\(chromium)' \(flags) --dump-dom '\(page)' > '\(dom)' 2>/dev/null") == 0)
        let rendered = try PosixFileSystem().readText(dom)
        #expect(rendered.contains("<svg") && rendered.contains("Metrics across runs"))
    }
}
