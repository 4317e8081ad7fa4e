import LeptonCore
import LeptonLoading
import LeptonSystem
import Testing
import _LeptonTestSupport

/// Declared plots, through the real compiler.
struct PlotLoadingTests {
    @Test func plotsLoadWithTheirFilesAndAStagesPlotFilesBecomeItsOutputs() throws {
        let package = TemporaryPackage("plots-load")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(
                stages: [
                    .stage(name: "evaluate", command: "true", outputs: [.folder("eval")])
                        .plots(.plot("eval/prc.json", x: "recall", y: "precision"), .plot("./loss.csv", y: ["loss", "val_loss"]),
                               .image("eval/importance.png")),
                ],
                plots: [.plot("ROC", x: "fpr", y: ["eval/test.json": "tpr", "eval/train.json": "tpr"], template: .simple)]
            )
            pipeline.plots.append(.plot("cm.json", template: .confusionNormalized, title: "CM"))
            """)
        let pipeline = try LeptonfileLoader(workspace: package.workspace).load().pipeline
        #expect(
            pipeline.plots == [
                PlotSpec(
                    title: "ROC", template: .simple, x: "fpr",
                    sources: [
                        .init(file: "eval/test.json", field: "tpr"), .init(file: "eval/train.json", field: "tpr"),
                    ]),
                PlotSpec(
                    title: "CM", template: .confusionNormalized, x: nil, sources: [.init(file: "cm.json", field: nil)]),
                PlotSpec(
                    title: nil, template: .linear, x: "recall",
                    sources: [.init(file: "eval/prc.json", field: "precision")],
                    stage: "evaluate"),
                PlotSpec(
                    title: nil, template: .linear, x: nil,
                    sources: [.init(file: "loss.csv", field: "loss"), .init(file: "loss.csv", field: "val_loss")],
                    stage: "evaluate"),
                PlotSpec(
                    title: nil, template: .image, x: nil, sources: [.init(file: "eval/importance.png", field: nil)],
                    stage: "evaluate"),
            ])
        // loss.csv is not under an output: it becomes one; the files inside eval/ do not.
        #expect(pipeline.stages[0].outputs.map(\.path) == ["eval", "loss.csv"])
        let cached = try LeptonfileLoader(workspace: package.workspace).load()
        #expect(cached.source == .cache && cached.pipeline == pipeline)
    }

    @Test func aPlotOfAFileItCannotDrawOrOutsideThePackageIsAnErrorNamingThePlot() {
        let package = TemporaryPackage("plots-bad")
        package.write(
            "Leptonfile",
            """
            import LeptonDescription
            let pipeline = Pipeline(
                stages: [.stage(name: "evaluate", command: "true", outputs: ["m.bin"]).plots(.plot("m.bin", y: "x"))],
                plots: [.image("eval/table.csv"), .plot("../up.json"), .plot("Empty", y: [:])]
            )
            """)
        #expect {
            try LeptonfileLoader(workspace: package.workspace).load()
        } throws: { error in
            let message = (error as? LeptonError)?.message ?? ""
            return message.contains("plot 'eval/table.csv': 'eval/table.csv' is not an image (.png")
                && message.contains("plot '../up.json': file '../up.json' is outside the package root")
                && message.contains(
                    "stage 'evaluate': plot 'm.bin': 'm.bin' is not a data file it can read (.json, .csv")
                && message.contains("plot 'Empty' names no file")
        }
    }
}
