import Testing

@testable import LeptonTrainer

/// `lepton train` prints each layer's output shape and parameter count, as Keras' summary does;
/// the counts are those of the tensors the checkpoint holds.
struct ModelSummaryTests {
    private let context = ComputeContext(threads: 1)

    @Test func anMLPsShapesAndParameterCounts() throws {
        let model = try Model(
            specs: LayerSpec.parseList("dense(256),relu,dropout(0.2),dense(10)"), inputShape: [784], seed: 1,
            context: context)
        let summary = ModelSummary(model)
        #expect(summary.rows.map(\.outputShape) == [[256], [256], [256], [10]])
        #expect(summary.rows.map(\.parameters) == [784 * 256 + 256, 0, 0, 256 * 10 + 10])
        #expect(summary.totalParameters == model.parameters.reduce(0) { $0 + $1.value.count })
        let lines = summary.lines
        #expect(lines.first?.hasPrefix("layer") == true)
        #expect(lines.contains { $0.hasPrefix("0 dense(256)") && $0.hasSuffix("200,960") }, "\(lines)")
        #expect(lines.last?.hasPrefix("total parameters: 203,530 (shapes are per sample") == true)
        #expect(lines.first?.contains("output shape") == true)
    }

    @Test func aCNNsShapesFollowEachLayer() throws {
        let model = try Model(
            specs: LayerSpec.parseList("conv2d(4,3,padding=1),relu,maxpool(2),flatten,dense(10)"),
            inputShape: [1, 8, 8],
            seed: 1, context: context)
        let summary = ModelSummary(model)
        #expect(summary.rows.map(\.outputShape) == [[4, 8, 8], [4, 8, 8], [4, 4, 4], [64], [10]])
        #expect(summary.rows.map(\.parameters) == [4 * 9 + 4, 0, 0, 0, 64 * 10 + 10])
        #expect(summary.lines.contains { $0.hasPrefix("input") && $0.contains("[1, 8, 8]") })
    }
}
