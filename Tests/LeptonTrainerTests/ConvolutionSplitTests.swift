import Testing

@testable import LeptonTrainer

/// How a convolution splits a batch between threads (issue 16: the second thread added nothing
/// at batch 32 while each thread read back patches another core had written, the chunks being
/// dealt out in turn while the layers around split the batch in contiguous shares).
struct ConvolutionSplitTests {
    @Test(arguments: [1, 7, 8, 9, 32, 50, 128, 131])
    func everyThreadGetsAContiguousRunOfWholeChunksAndEverySampleOnce(batch: Int) {
        for parts in 1...4 {
            var next = 0
            for part in 0..<parts {
                let samples = Convolution.samples(of: part, parts: parts, batch: batch)
                #expect(samples.lowerBound == next, "batch \(batch), part \(part) of \(parts)")
                #expect(samples.lowerBound % Convolution.chunk == 0)
                next = samples.upperBound
            }
            #expect(next == batch, "batch \(batch), \(parts) parts")
        }
    }

    @Test func theSplitIsTheOneTheLayersAroundUseWhenTheBatchDividesEvenly() {
        // Pooling and activations take planes or elements in contiguous shares (ComputeContext.forEachShare).
        for parts in [2, 4] {
            let batch = 32
            for part in 0..<parts {
                let samples = Convolution.samples(of: part, parts: parts, batch: batch)
                #expect(samples == (batch * part / parts)..<(batch * (part + 1) / parts))
            }
        }
    }
}
