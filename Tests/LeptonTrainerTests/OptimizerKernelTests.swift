import CLeptonKernels
import Testing

@testable import LeptonTrainer

/// The Adam and SGD kernels (assembly for AVX2, C otherwise) against a Swift transcription of the
/// update: bit for bit, for lengths that do and do not fill whole vectors.
struct OptimizerKernelTests {
    @Test(arguments: [1, 7, 8, 37, 1000])
    func adamMatchesTheScalarFormulaBitForBit(count: Int) {
        var random = RandomGenerator(seed: UInt64(count))
        var parameters = (0..<count).map { _ in random.nextFloat(bound: 1) }
        let gradients = (0..<count).map { _ in random.nextFloat(bound: 0.1) }
        var first = (0..<count).map { _ in random.nextFloat(bound: 0.01) }
        var second = (0..<count).map { _ in abs(random.nextFloat(bound: 0.001)) }
        let (lr, beta1, beta2, epsilon, decay): (Float, Float, Float, Float, Float) = (0.003, 0.9, 0.999, 1e-8, 0.01)
        let (correction1, correction2): (Float, Float) = (0.271, 0.002997)
        var expected = parameters
        var expectedFirst = first
        var expectedSecond = second
        let step = lr / correction1
        let root = correction2.squareRoot()
        for i in 0..<count {
            let g = gradients[i] + decay * expected[i]
            expectedFirst[i] = beta1 * expectedFirst[i] + (1 - beta1) * g
            expectedSecond[i] = beta2 * expectedSecond[i] + (1 - beta2) * (g * g)
            let denominator = expectedSecond[i].squareRoot() / root + epsilon
            expected[i] = expected[i] - step * (expectedFirst[i] / denominator)
        }
        lepton_adam_update(
            count, &parameters, gradients, &first, &second, lr, beta1, beta2, epsilon, decay, correction1, correction2)
        #expect(parameters.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(first.map(\.bitPattern) == expectedFirst.map(\.bitPattern))
        #expect(second.map(\.bitPattern) == expectedSecond.map(\.bitPattern))
    }

    @Test func sgdWithMomentumAndDecay() {
        var parameters: [Float] = [1, -2, 3]
        var velocity: [Float] = [0.5, 0, -1]
        lepton_sgd_update(3, &parameters, [0.1, 0.2, 0.3], &velocity, 0.1, 0.9, 0.01)
        let expectedVelocity: [Float] = [0.9 * 0.5 + (0.1 + 0.01 * 1), 0.2 + 0.01 * -2, 0.9 * -1 + (0.3 + 0.01 * 3)]
        #expect(velocity == expectedVelocity)
        #expect(
            parameters == [
                1 - 0.1 * expectedVelocity[0], -2 - 0.1 * expectedVelocity[1], 3 - 0.1 * expectedVelocity[2],
            ])
    }
}
