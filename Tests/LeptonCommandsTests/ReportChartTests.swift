import LeptonCore
import LeptonSystem
import Testing
import _LeptonTestSupport

@testable import LeptonCommands

/// The report's charts: round ticks, legends that wrap inside the chart, metrics of different
/// ranges on different axes, and nested metrics across runs.
struct ReportChartTests {
    @Test(arguments: [
        (0.8731, 0.9112, [0.87, 0.88, 0.89, 0.9, 0.91, 0.92]), (0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
        (3.0, 3.0, [2.4, 2.6, 2.8, 3, 3.2, 3.4, 3.6]), (-12.0, 47.0, [-20, 0, 20, 40, 60]),
    ])
    func ticksAreRoundAndCoverTheValues(low: Double, high: Double, ticks: [Double]) {
        let computed = SVG.niceTicks(low: low, high: high)
        #expect(computed == ticks, "\(computed)")
        #expect((computed.first ?? .infinity) <= low && (computed.last ?? -.infinity) >= high)
    }

    @Test func aLongLegendWrapsInsideTheChartAndMakesItTaller() {
        let names = (1...6).map { "eval/plots/sklearn/prc/series-\($0).json" }
        let series = names.map { SVG.Series(name: $0, points: [("a", 1), ("b", 2)]) }
        let svg = SVG.lineChart(title: "t", series: series, width: 520, height: 280)
        #expect(!svg.contains("height=\"280\""), "the legend needs more rows")
        // Every legend entry starts inside the chart's width.
        let starts = svg.split(separator: "<rect x=\"").dropFirst(2).compactMap { Double($0.prefix { $0 != "\"" }) }
        #expect(!starts.isEmpty && starts.allSatisfy { $0 < 520 - 16 }, "\(starts)")
    }

    @Test func metricsOfVeryDifferentRangesGetAxesOfTheirOwn() {
        let records: [[String: Double]] = [
            ["accuracy": 0.8, "f1": 0.7, "samples_per_second": 51_000],
            ["accuracy": 0.9, "f1": 0.85, "samples_per_second": 52_000],
        ]
        #expect(
            PlotReport.byRange(["accuracy", "f1", "samples_per_second"], records) == [
                ["samples_per_second"], ["accuracy", "f1"],
            ])
    }

    @Test func nestedMetricsAreChartedAcrossRuns() throws {
        let package = TemporaryPackage("report-nested")
        package.write("params.yaml", "train:\n  lr: 0.1\n")
        package.write("score.sh", "echo \"{\\\"avg_prec\\\": {\\\"test\\\": $1, \\\"train\\\": 0.9}}\" > m.json\n")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(params: "params.yaml", stages: [
                .stage(name: "score", command: "sh score.sh {param:train.lr}", code: ["score.sh"], params: ["train.lr"],
                       metrics: ["m.json"]),
            ])
            """)
        #expect(LeptonBinary.run(["build"], in: package.root).status == 0)
        #expect(LeptonBinary.run(["build", "--set", "train.lr=0.2"], in: package.root).status == 0)
        #expect(LeptonBinary.run(["plots", "-o", "report"], in: package.root).status == 0)
        let html = try #require(package.read("report/index.html"))
        #expect(!html.contains("No run with metrics recorded yet"))
        #expect(html.contains("avg_prec.test by run"), "\(html.prefix(400))")
        // A sweep gets the metric against the parameter, ordered by its value.
        #expect(html.contains("avg_prec.test against train.lr"))
        let sweep = try #require(package.read("report/sweep-1.svg"))
        #expect(sweep.contains("train.lr=0.1") && sweep.contains("train.lr=0.2"))
    }
}
