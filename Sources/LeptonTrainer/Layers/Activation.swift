import CLeptonKernels
import Foundation

/// An element-wise activation (ReLU, sigmoid, tanh) or a softmax over each sample's last
/// dimension; backward uses the output kept by the forward pass.
final class Activation: Layer {
    enum Function { case relu, sigmoid, tanh, softmax }

    let function: Function
    private let context: ComputeContext
    private var output = Tensor(zeros: [0])

    init(_ function: Function, context: ComputeContext) {
        self.function = function
        self.context = context
    }

    /// Runs an element-wise kernel over `count` elements, split into contiguous shares of the
    /// threads when there are enough of them (each element is computed alone, so any split
    /// gives the same bits).
    private func elementwise(_ count: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
        guard count >= 65_536 else { return body(0, count) }
        context.forEachShare(of: count) { share in body(share.lowerBound, share.count) }
    }

    func forward(_ input: consuming Tensor, training: Bool) -> Tensor {
        let columns = input.shape.last ?? 1
        var y = consume input
        y.withMutableValues { values in
            switch function {
            case .relu:
                guard let start = values.baseAddress else { return }
                elementwise(values.count) { first, count in lepton_relu_forward(count, start + first) }
            case .sigmoid:
                for i in values.indices { values[i] = 1 / (1 + Activation.exp(-values[i])) }
            case .tanh:
                for i in values.indices {
                    let e = Activation.exp(-2 * values[i])
                    values[i] = (1 - e) / (1 + e)
                }
            case .softmax: Activation.softmaxRows(values, columns: columns)
            }
        }
        if training { output = y }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = consume gradient
        dx.withMutableValues { g in
            output.withValues { y in
                switch function {
                case .relu:
                    guard let yStart = y.baseAddress, let gStart = g.baseAddress else { return }
                    elementwise(g.count) { first, count in lepton_relu_backward(count, yStart + first, gStart + first) }
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
