import CLeptonKernels
import Testing

@testable import LeptonTrainer

/// The vectorised ReLU and 2×2 max-pooling loops against scalar transcriptions of what they
/// compute, bit for bit, on values chosen to hit every case: ties, negative zeros, NaNs and
/// widths that leave a scalar remainder.
struct ElementwiseKernelTests {
    /// Values with many exact ties, both zeros and a few NaNs.
    static func awkwardValues(_ count: Int, seed: UInt64) -> [Float] {
        var random = RandomGenerator(seed: seed)
        return (0..<count).map { _ in
            let draw = random.nextFloat(bound: 1)
            if draw > 0.97 { return .nan }
            if draw < -0.9 { return -0.0 }
            return (draw * 4).rounded() / 4
        }
    }

    @Test(arguments: [1, 3, 4, 7, 64, 1_027])
    func reluMatchesTheScalarSelect(count: Int) {
        let x = ElementwiseKernelTests.awkwardValues(count, seed: UInt64(count))
        var forward = x
        lepton_relu_forward(count, &forward)
        #expect(forward.map(\.bitPattern) == x.map { ($0 > 0 ? $0 : 0).bitPattern })
        let gradient = ElementwiseKernelTests.awkwardValues(count, seed: UInt64(count) + 99)
        var backward = gradient
        lepton_relu_backward(count, x, &backward)
        #expect(backward.map(\.bitPattern) == zip(x, gradient).map { ($0 > 0 ? $1 : 0).bitPattern })
    }

    @Test(arguments: [(2, 2), (4, 8), (6, 14), (8, 9), (28, 28), (5, 19)])
    func twoByTwoMaxPoolingMatchesTheScalarLoop(size: (Int, Int)) {
        let (height, width) = size
        let planes = 3
        let x = ElementwiseKernelTests.awkwardValues(planes * height * width, seed: UInt64(height * 100 + width))
        let (outH, outW) = (height / 2, width / 2)
        var y = [Float](repeating: 7, count: planes * outH * outW)
        var winners = [Int32](repeating: -1, count: y.count)
        lepton_maxpool_forward(x, 0, planes, height, width, 2, 2, &y, &winners)
        var expectedY: [Float] = []
        var expectedWinners: [Int32] = []
        for plane in 0..<planes {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let first = plane * height * width + 2 * oy * width + 2 * ox
                    var best = first
                    for candidate in [first + 1, first + width, first + width + 1] where x[candidate] > x[best] {
                        best = candidate
                    }
                    expectedY.append(x[best])
                    expectedWinners.append(Int32(best))
                }
            }
        }
        #expect(y.map(\.bitPattern) == expectedY.map(\.bitPattern), "\(height)x\(width)")
        #expect(winners == expectedWinners, "\(height)x\(width)")
    }
}

/// A batch gathered from a shuffled order: every row is the sample it names, with its target and
/// weight, whether the rows are copied on one thread or split over two.
struct BatchGatherTests {
    @Test(arguments: [1, 2])
    func gatheredRowsAreTheSamplesTheOrderNames(threads: Int) {
        let samples = 1_000
        let width = 97  // 97 floats per row: not a multiple of a cache line
        var random = RandomGenerator(seed: 7)
        let values = (0..<(samples * width)).map { _ in random.nextFloat(bound: 1) }
        let data = Dataset(
            features: Tensor(shape: [samples, width], values: values), targets: (0..<samples).map(Float.init),
            weights: (0..<samples).map { Float($0) / 2 })
        let order = random.permutation(samples)
        // 700 rows x 97 floats is above the size that is split over the threads.
        let batch = data.subset(order[100..<800], context: ComputeContext(threads: threads))
        #expect(batch.features.shape == [700, width])
        var expected: [Float] = []
        for index in order[100..<800] { expected += values[(index * width)..<((index + 1) * width)] }
        #expect(batch.features.values.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(batch.targets == order[100..<800].map(Float.init))
        #expect(batch.weights == order[100..<800].map { Float($0) / 2 })
        let small = data.subset(order[..<3])
        #expect(small.targets == order[..<3].map(Float.init))
    }
}
