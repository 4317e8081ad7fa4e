import CLeptonKernels

/// The mean of each channel over the whole image, [batch, channels, height, width] →
/// [batch, channels] (Keras' `GlobalAveragePooling2D`; PyTorch's `nn.AdaptiveAvgPool2d(1)` then
/// `nn.Flatten()`).
final class GlobalAveragePooling: Layer {
    private let context: ComputeContext
    private var inputShape: [Int] = []

    init(context: ComputeContext) { self.context = context }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let (batch, channels) = (x.shape[0], x.shape[1])
        let area = x.count / max(1, batch * channels)
        var y = Tensor(zeros: [batch, channels])
        x.withPointer { input in
            y.withMutablePointer { output in
                lepton_row_sums(batch * channels, area, input, output)
                lepton_scale(batch * channels, output, 1 / Float(area))
            }
        }
        if training { inputShape = x.shape }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = Tensor(overwritten: inputShape)
        let planes = inputShape[0] * inputShape[1]
        let area = dx.count / max(1, planes)
        gradient.withPointer { dy in
            dx.withMutablePointer { out in
                for plane in 0..<planes {
                    let share = dy[plane] / Float(area)
                    (out + plane * area).update(repeating: share, count: area)
                }
            }
        }
        return dx
    }
}
