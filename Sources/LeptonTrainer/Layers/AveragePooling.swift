import CLeptonKernels

/// Average pooling over `size`×`size` windows placed every `stride` of [batch, channels, height,
/// width] inputs (PyTorch's `nn.AvgPool2d`, Keras' `AveragePooling2D`); the planes are split
/// between threads, each computed whole by one.
final class AveragePooling: Layer {
    let size: Int
    let stride: Int
    private let context: ComputeContext
    private var inputShape: [Int] = []

    init(size: Int, stride: Int, context: ComputeContext) {
        self.size = size
        self.stride = stride
        self.context = context
    }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(
            overwritten: [batch, channels, (height - size) / stride + 1, (width - size) / stride + 1])
        let planes = batch * channels
        let (size, stride) = (self.size, self.stride)
        x.withPointer { input in
            y.withMutablePointer { output in
                context.forEachShare(of: planes) { share in
                    lepton_avgpool_forward(
                        input, share.lowerBound, share.upperBound, height, width, size, stride, output)
                }
            }
        }
        if training { inputShape = x.shape }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = Tensor(zeros: inputShape)
        let (height, width) = (inputShape[2], inputShape[3])
        let planes = inputShape[0] * inputShape[1]
        let (size, stride) = (self.size, self.stride)
        gradient.withPointer { dy in
            dx.withMutablePointer { out in
                context.forEachShare(of: planes) { share in
                    lepton_avgpool_backward(dy, share.lowerBound, share.upperBound, height, width, size, stride, out)
                }
            }
        }
        return dx
    }
}
