/// Batch normalisation as PyTorch's `nn.BatchNorm2d` (image samples, statistics per channel over
/// the batch and the image) and `nn.BatchNorm1d` (vectors, per feature over the batch): while
/// training, each channel is normalised with the batch's mean and (biased) variance and the
/// running statistics move by `momentum` (the variance's unbiased estimate, as PyTorch); for
/// evaluation the running statistics are used. Names follow PyTorch's state dict: `N.weight`,
/// `N.bias`, `N.running_mean`, `N.running_var`, `N.num_batches_tracked`.
///
/// Each channel's sums run in a fixed order in double precision, the channels split between
/// threads, so results do not depend on the thread count.
final class BatchNormalization: Layer {
    let weight: Parameter
    let bias: Parameter
    let runningMean: Parameter
    let runningVariance: Parameter
    let channels: Int
    let momentum: Float
    let epsilon: Float
    private let context: ComputeContext
    private let trackedName: String
    private var batchesTracked: Int64 = 0
    private var normalized = Tensor(zeros: [0])
    private var inverseDeviation: [Float] = []

    init(index: Int, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5, context: ComputeContext) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        self.context = context
        weight = Parameter(
            name: "\(index).weight", value: Tensor(shape: [channels], values: .init(repeating: 1, count: channels)))
        bias = Parameter(name: "\(index).bias", value: Tensor(zeros: [channels]))
        runningMean = Parameter(name: "\(index).running_mean", value: Tensor(zeros: [channels]))
        runningVariance = Parameter(
            name: "\(index).running_var", value: Tensor(shape: [channels], values: .init(repeating: 1, count: channels))
        )
        trackedName = "\(index).num_batches_tracked"
    }

    var parameters: [Parameter] { [weight, bias] }
    var buffers: [Parameter] { [runningMean, runningVariance] }
    var counters: [String: Int64] {
        get { [trackedName: batchesTracked] }
        set { batchesTracked = newValue[trackedName] ?? batchesTracked }
    }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let batch = x.rows
        let spatial = x.count / max(1, batch * channels)
        let count = batch * spatial
        var y = Tensor(overwritten: x.shape)
        var xhat = training ? Tensor(overwritten: x.shape) : Tensor(zeros: [0])
        var inverse = [Float](repeating: 0, count: channels)
        var means = runningMean.value.values
        var variances = runningVariance.value.values
        let gamma = weight.value.values
        let beta = bias.value.values
        let (channels, momentum, epsilon) = (self.channels, self.momentum, self.epsilon)
        x.withPointer { input in
            y.withMutablePointer { output in
                xhat.withMutablePointer { cached in
                    means.withUnsafeMutableBufferPointer { means in
                        variances.withUnsafeMutableBufferPointer { variances in
                            inverse.withUnsafeMutableBufferPointer { inverse in
                                context.forEachShare(of: channels) { share in
                                    for channel in share {
                                        var mean = means[channel]
                                        var variance = variances[channel]
                                        if training {
                                            var sum = 0.0
                                            for n in 0..<batch {
                                                let row = input + (n * channels + channel) * spatial
                                                for s in 0..<spatial { sum += Double(row[s]) }
                                            }
                                            let batchMean = sum / Double(count)
                                            var squares = 0.0
                                            for n in 0..<batch {
                                                let row = input + (n * channels + channel) * spatial
                                                for s in 0..<spatial {
                                                    let d = Double(row[s]) - batchMean
                                                    squares += d * d
                                                }
                                            }
                                            mean = Float(batchMean)
                                            variance = Float(squares / Double(count))
                                            let unbiased = Float(squares / Double(max(1, count - 1)))
                                            means[channel] = (1 - momentum) * means[channel] + momentum * mean
                                            variances[channel] =
                                                (1 - momentum) * variances[channel] + momentum * unbiased
                                        }
                                        let scale = 1 / (variance + epsilon).squareRoot()
                                        inverse[channel] = scale
                                        for n in 0..<batch {
                                            let offset = (n * channels + channel) * spatial
                                            for s in 0..<spatial {
                                                let normal = (input[offset + s] - mean) * scale
                                                if training { cached[offset + s] = normal }
                                                output[offset + s] = gamma[channel] * normal + beta[channel]
                                            }
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
            runningMean.value = Tensor(shape: [channels], values: means)
            runningVariance.value = Tensor(shape: [channels], values: variances)
            batchesTracked += 1
            normalized = xhat
            inverseDeviation = inverse
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        let batch = gradient.rows
        let spatial = gradient.count / max(1, batch * channels)
        let count = Float(batch * spatial)
        var dx = Tensor(overwritten: needsInputGradient ? gradient.shape : [0])
        var gammaGradient = [Float](repeating: 0, count: channels)
        var betaGradient = [Float](repeating: 0, count: channels)
        let gamma = weight.value.values
        let inverse = inverseDeviation
        let channels = self.channels
        gradient.withPointer { dy in
            normalized.withPointer { xhat in
                dx.withMutablePointer { out in
                    gammaGradient.withUnsafeMutableBufferPointer { dgamma in
                        betaGradient.withUnsafeMutableBufferPointer { dbeta in
                            context.forEachShare(of: channels) { share in
                                for channel in share {
                                    var sum = 0.0
                                    var dot = 0.0
                                    for n in 0..<batch {
                                        let offset = (n * channels + channel) * spatial
                                        for s in 0..<spatial {
                                            sum += Double(dy[offset + s])
                                            dot += Double(dy[offset + s]) * Double(xhat[offset + s])
                                        }
                                    }
                                    dbeta[channel] = Float(sum)
                                    dgamma[channel] = Float(dot)
                                    guard needsInputGradient else { continue }
                                    // dx = γ·σ⁻¹/m · (m·dy − Σdy − x̂·Σ(dy·x̂))
                                    let factor = gamma[channel] * inverse[channel] / count
                                    let (meanTerm, dotTerm) = (Float(sum), Float(dot))
                                    for n in 0..<batch {
                                        let offset = (n * channels + channel) * spatial
                                        for s in 0..<spatial {
                                            out[offset + s] =
                                                factor
                                                * (count * dy[offset + s] - meanTerm - xhat[offset + s] * dotTerm)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weight.gradient = Tensor(shape: [channels], values: gammaGradient)
        bias.gradient = Tensor(shape: [channels], values: betaGradient)
        return dx
    }
}
