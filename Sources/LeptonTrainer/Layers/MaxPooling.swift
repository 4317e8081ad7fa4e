import CLeptonKernels
import Foundation

/// Max pooling over `size`×`size` windows placed every `stride` of [batch, channels, height,
/// width] inputs (a partial window at the edge is dropped, as PyTorch does by default). The
/// planes (sample, channel) are split between threads; each is computed whole by one.
final class MaxPooling: Layer {
    let size: Int
    let stride: Int
    private let context: ComputeContext
    private var inputShape: [Int] = []
    private var winners: [Int32] = []

    init(size: Int, stride: Int? = nil, context: ComputeContext) {
        self.size = size
        self.stride = stride ?? size
        self.context = context
    }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outHeight = (height - size) / stride + 1
        let outWidth = (width - size) / stride + 1
        // Every output and winner is written by the kernel.
        var y = Tensor(overwritten: [batch, channels, outHeight, outWidth])
        var chosen = [Int32](unsafeUninitializedCapacity: y.count) { $1 = $0.count }
        let planes = batch * channels
        let (size, stride) = (self.size, self.stride)
        x.withPointer { input in
            y.withMutablePointer { output in
                chosen.withUnsafeMutableBufferPointer { winners in
                    guard let winners = winners.baseAddress else { return }
                    context.forEachShare(of: planes) { share in
                        lepton_maxpool_forward(
                            input, share.lowerBound, share.upperBound, height, width, size, stride, output, winners)
                    }
                }
            }
        }
        if training {
            inputShape = x.shape
            winners = chosen
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        // Each thread zeroes its own planes before adding onto them (no serial memset).
        var dx = Tensor(overwritten: inputShape)
        let planes = inputShape[0] * inputShape[1]
        let planeSize = inputShape[2] * inputShape[3]
        let outputs = gradient.count / max(1, planes)
        gradient.withPointer { dy in
            dx.withMutablePointer { out in
                winners.withUnsafeBufferPointer { chosen in
                    guard let chosen = chosen.baseAddress else { return }
                    context.forEachShare(of: planes) { share in
                        memset(
                            out + share.lowerBound * planeSize, 0, share.count * planeSize * MemoryLayout<Float>.size)
                        lepton_maxpool_backward(dy, chosen, share.lowerBound, share.upperBound, outputs, out)
                    }
                }
            }
        }
        return dx
    }
}
