import Testing

@testable import LeptonTrainer

/// Back-propagation checked against central finite differences, through every layer kind.
struct GradientTests {
    static func lossValue(_ model: Model, _ x: Tensor, _ targets: [Float], _ loss: LossFunction) -> Double {
        let output = model.forward(x, training: true, logits: loss == .softmaxCrossEntropy)
        return loss.evaluate(outputs: output, targets: targets[...]).loss
    }

    @Test(arguments: [
        ("conv2d(2,3,padding=1),tanh,maxpool(2),conv2d(3,2),sigmoid,dense(3)", LossFunction.softmaxCrossEntropy),
        // A strided convolution and ReLU before pooling (which runs as pooling then ReLU).
        ("conv2d(4,3,stride=2,padding=1),relu,maxpool(2),flatten,dense(3)", LossFunction.softmaxCrossEntropy),
        // Normalisation layers: per channel, per feature, per sample.
        ("conv2d(3,3,padding=1),batchnorm,tanh,dense(3)", LossFunction.softmaxCrossEntropy),
        ("dense(6),batchnorm,tanh,dense(3)", LossFunction.softmaxCrossEntropy),
        ("dense(5),layernorm,tanh,dense(3)", LossFunction.softmaxCrossEntropy),
        ("conv2d(2,3),layernorm,sigmoid,dense(1)", LossFunction.meanSquaredError),
        // Same padding, average pooling, global average pooling; overlapping max pooling windows.
        (
            "conv2d(3,3,padding=same),tanh,avgpool(2),conv2d(4,2),globalavgpool,dense(3)",
            LossFunction.softmaxCrossEntropy
        ),
        ("avgpool(3,stride=1),tanh,dense(3)", LossFunction.softmaxCrossEntropy),
        // More channels than a patch holds rows: the weight gradient is computed transposed.
        ("conv2d(12,2),relu,conv2d(5,3,stride=1,padding=2),tanh,dense(3)", LossFunction.softmaxCrossEntropy),
        ("dense(5),tanh,dense(4),softmax", LossFunction.softmaxCrossEntropy),
        ("flatten,dense(4),sigmoid,dense(1)", LossFunction.binaryCrossEntropy),
        ("dense(6),relu,dense(1)", LossFunction.meanSquaredError),
    ])
    func backwardMatchesFiniteDifferences(layers: String, loss: LossFunction) throws {
        let context = ComputeContext(threads: 1)
        let model = try Model(specs: LayerSpec.parseList(layers), inputShape: [1, 6, 6], seed: 3, context: context)
        var random = RandomGenerator(seed: 11)
        let x = Tensor(shape: [3, 1, 6, 6], values: (0..<108).map { _ in random.nextFloat(bound: 1) })
        let targets: [Float] =
            loss == .softmaxCrossEntropy ? [0, 2, 1] : loss == .binaryCrossEntropy ? [1, 0, 1] : [0.5, -1, 2]
        let output = model.forward(x, training: true, logits: loss == .softmaxCrossEntropy)
        model.backward(
            loss.evaluate(outputs: output, targets: targets[...]).gradient, logits: loss == .softmaxCrossEntropy)
        let analytic = model.parameters.map { $0.gradient.values }
        let epsilon: Float = 1e-2
        for (index, parameter) in model.parameters.enumerated() {
            for element in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 7)) {
                let original = parameter.value.values[element]
                parameter.value.withMutableValues { $0[element] = original + epsilon }
                let plus = GradientTests.lossValue(model, x, targets, loss)
                parameter.value.withMutableValues { $0[element] = original - epsilon }
                let minus = GradientTests.lossValue(model, x, targets, loss)
                parameter.value.withMutableValues { $0[element] = original }
                let numeric = (plus - minus) / Double(2 * epsilon)
                let exact = Double(analytic[index][element])
                #expect(
                    abs(numeric - exact) <= 2e-3 + 2e-2 * abs(numeric),
                    "\(parameter.name)[\(element)]: numeric \(numeric), backward \(exact)")
            }
        }
    }

    /// Overlapping max-pooling windows (finite differences would cross ties): each input's
    /// gradient is the sum of the output gradients of every window it is the largest of, and the
    /// output is each window's largest value, for 1 and 3 threads.
    @Test(arguments: [1, 3])
    func overlappingMaxPoolingRoutesEachWindowsGradientToItsLargestInput(threads: Int) {
        var random = RandomGenerator(seed: 5)
        let (batch, channels, size) = (2, 3, 7)
        let x = Tensor(
            shape: [batch, channels, size, size],
            values: (0..<(batch * channels * size * size)).map { _ in random.nextFloat(bound: 1) })
        let layer = MaxPooling(size: 3, stride: 2, context: ComputeContext(threads: threads))
        let y = layer.forward(x, training: true)
        let out = (size - 3) / 2 + 1
        #expect(y.shape == [batch, channels, out, out])
        let dy = Tensor(shape: y.shape, values: (0..<y.count).map { Float($0 % 5) + 0.5 })
        let dx = layer.backward(dy, needsInputGradient: true).values
        var expected = [Float](repeating: 0, count: x.count)
        let values = x.values
        for plane in 0..<(batch * channels) {
            for oy in 0..<out {
                for ox in 0..<out {
                    var best = plane * size * size + oy * 2 * size + ox * 2
                    for wy in 0..<3 {
                        for wx in 0..<3 {
                            let index = plane * size * size + (oy * 2 + wy) * size + ox * 2 + wx
                            if values[index] > values[best] { best = index }
                        }
                    }
                    let o = (plane * out + oy) * out + ox
                    #expect(y.values[o] == values[best])
                    expected[best] += dy.values[o]
                }
            }
        }
        #expect(dx == expected)
    }
}
