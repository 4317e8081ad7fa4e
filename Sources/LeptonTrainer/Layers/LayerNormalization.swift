/// Layer normalisation as PyTorch's `nn.LayerNorm(sample_shape)`: each sample is normalised
/// over all its values (mean and biased variance), then scaled and shifted elementwise by
/// `N.weight` and `N.bias`, shaped like the sample. Sums run in a fixed order in double
/// precision; samples are split between threads and the weight gradients summed over samples in
/// order, so results do not depend on the thread count.
final class LayerNormalization: Layer {
    let weight: Parameter
    let bias: Parameter
    let epsilon: Float
    private let context: ComputeContext
    private var normalized = Tensor(zeros: [0])
    private var inverseDeviation: [Float] = []

    init(index: Int, sampleShape: [Int], epsilon: Float = 1e-5, context: ComputeContext) {
        let size = sampleShape.reduce(1, *)
        self.epsilon = epsilon
        self.context = context
        weight = Parameter(
            name: "\(index).weight", value: Tensor(shape: sampleShape, values: .init(repeating: 1, count: size)))
        bias = Parameter(name: "\(index).bias", value: Tensor(zeros: sampleShape))
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let batch = x.rows
        let features = x.count / max(1, batch)
        var y = Tensor(overwritten: x.shape)
        var xhat = Tensor(overwritten: x.shape)
        var inverse = [Float](repeating: 0, count: batch)
        let epsilon = self.epsilon
        x.withPointer { input in
            y.withMutablePointer { output in
                xhat.withMutablePointer { cached in
                    weight.value.withPointer { gamma in
                        bias.value.withPointer { beta in
                            inverse.withUnsafeMutableBufferPointer { inverse in
                                context.forEachShare(of: batch) { samples in
                                    for n in samples {
                                        let row = input + n * features
                                        var sum = 0.0
                                        for f in 0..<features { sum += Double(row[f]) }
                                        let mean = sum / Double(features)
                                        var squares = 0.0
                                        for f in 0..<features {
                                            let d = Double(row[f]) - mean
                                            squares += d * d
                                        }
                                        let scale = 1 / (Float(squares / Double(features)) + epsilon).squareRoot()
                                        inverse[n] = scale
                                        for f in 0..<features {
                                            let normal = (row[f] - Float(mean)) * scale
                                            cached[n * features + f] = normal
                                            output[n * features + f] = gamma[f] * normal + beta[f]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if training {
            normalized = xhat
            inverseDeviation = inverse
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        let batch = gradient.rows
        let features = gradient.count / max(1, batch)
        var dx = Tensor(overwritten: needsInputGradient ? gradient.shape : [0])
        var gammaGradient = [Float](repeating: 0, count: features)
        var betaGradient = [Float](repeating: 0, count: features)
        let inverse = inverseDeviation
        gradient.withPointer { dy in
            normalized.withPointer { xhat in
                weight.value.withPointer { gamma in
                    // Weight gradients: each feature summed over the samples in order.
                    for n in 0..<batch {
                        for f in 0..<features {
                            gammaGradient[f] += dy[n * features + f] * xhat[n * features + f]
                            betaGradient[f] += dy[n * features + f]
                        }
                    }
                    guard needsInputGradient else { return }
                    dx.withMutablePointer { out in
                        context.forEachShare(of: batch) { samples in
                            for n in samples {
                                // dx = σ⁻¹/F · (F·g − Σg − x̂·Σ(g·x̂)), g = dy·γ
                                var sum = 0.0
                                var dot = 0.0
                                for f in 0..<features {
                                    let g = Double(dy[n * features + f] * gamma[f])
                                    sum += g
                                    dot += g * Double(xhat[n * features + f])
                                }
                                let count = Float(features)
                                let factor = inverse[n] / count
                                for f in 0..<features {
                                    let g = dy[n * features + f] * gamma[f]
                                    out[n * features + f] =
                                        factor * (count * g - Float(sum) - xhat[n * features + f] * Float(dot))
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.gradient = Tensor(shape: weight.value.shape, values: gammaGradient)
        bias.gradient = Tensor(shape: bias.value.shape, values: betaGradient)
        return dx
    }
}
