/// Max pooling over non-overlapping `size`×`size` windows of [batch, channels, height, width]
/// inputs (a partial window at the edge is dropped, as PyTorch does by default).
final class MaxPooling: Layer {
    let size: Int
    private var inputShape: [Int] = []
    private var winners: [Int32] = []

    init(size: Int) { self.size = size }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outHeight = height / size
        let outWidth = width / size
        var y = Tensor(zeros: [batch, channels, outHeight, outWidth])
        var chosen = [Int32](repeating: 0, count: y.count)
        x.withValues { input in
            y.withMutableValues { output in
                var o = 0
                for plane in 0..<(batch * channels) {
                    let planeStart = plane * height * width
                    for oy in 0..<outHeight {
                        for ox in 0..<outWidth {
                            var best = planeStart + (oy * size) * width + ox * size
                            for dy in 0..<size {
                                for dx in 0..<size {
                                    let index = planeStart + (oy * size + dy) * width + ox * size + dx
                                    if input[index] > input[best] { best = index }
                                }
                            }
                            output[o] = input[best]
                            chosen[o] = Int32(best)
                            o += 1
                        }
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

    func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = Tensor(zeros: inputShape)
        dx.withMutableValues { out in
            gradient.withValues { g in
                for i in g.indices { out[Int(winners[i])] += g[i] }
            }
        }
        return dx
    }
}
