import CLeptonKernels
import Foundation

/// An element-wise activation (ReLU, sigmoid, tanh) or a softmax over each sample's last
/// dimension; backward uses the output kept by the forward pass.
final class Activation: Layer {
    enum Function { case relu, sigmoid, tanh, softmax }

    let function: Function
    private var output = Tensor(zeros: [0])

    init(_ function: Function) { self.function = function }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        var y = input
        y.withMutableValues { values in
            switch function {
            case .relu: if let start = values.baseAddress { lepton_relu_forward(values.count, start) }
            case .sigmoid:
                for i in values.indices { values[i] = 1 / (1 + Activation.exp(-values[i])) }
            case .tanh:
                for i in values.indices {
                    let e = Activation.exp(-2 * values[i])
                    values[i] = (1 - e) / (1 + e)
                }
            case .softmax: Activation.softmaxRows(values, columns: input.shape.last ?? 1)
            }
        }
        if training { output = y }
        return y
    }

    func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = gradient
        dx.withMutableValues { g in
            output.withValues { y in
                switch function {
                case .relu:
                    if let yStart = y.baseAddress, let gStart = g.baseAddress {
                        lepton_relu_backward(g.count, yStart, gStart)
                    }
                case .sigmoid: for i in g.indices { g[i] = g[i] * (y[i] * (1 - y[i])) }
                case .tanh: for i in g.indices { g[i] = g[i] * (1 - y[i] * y[i]) }
                case .softmax:
                    let columns = output.shape.last ?? 1
                    for row in 0..<(g.count / columns) {
                        let start = row * columns
                        var dot: Float = 0
                        for j in start..<(start + columns) { dot += g[j] * y[j] }
                        for j in start..<(start + columns) { g[j] = y[j] * (g[j] - dot) }
                    }
                }
            }
        }
        return dx
    }

    /// Replaces each row of `columns` values with its softmax (max-subtracted, so it never overflows).
    static func softmaxRows(_ values: UnsafeMutableBufferPointer<Float>, columns: Int) {
        for row in 0..<(values.count / columns) {
            let start = row * columns
            var maximum = -Float.infinity
            for j in start..<(start + columns) { maximum = max(maximum, values[j]) }
            var sum: Float = 0
            for j in start..<(start + columns) {
                let e = Activation.exp(values[j] - maximum)
                values[j] = e
                sum += e
            }
            for j in start..<(start + columns) { values[j] /= sum }
        }
    }

    /// e^x in Float, from the platform's libm (identical across builds of the same binary).
    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
}
