import CLeptonKernels

/// A fully connected layer: y = x·Wᵀ + b, with W shaped [out, in] as in PyTorch's `nn.Linear`.
final class Dense: Layer {
    let weight: Parameter
    let bias: Parameter
    let inputs: Int
    let outputs: Int
    private let context: ComputeContext
    private var input = Tensor(zeros: [0])

    /// Initialises like PyTorch: weights and biases uniform in ±1/√inputs.
    init(index: Int, inputs: Int, outputs: Int, random: inout RandomGenerator, context: ComputeContext) {
        self.inputs = inputs
        self.outputs = outputs
        self.context = context
        let bound = 1 / Float(inputs).squareRoot()
        let weights = (0..<(inputs * outputs)).map { _ in random.nextFloat(bound: bound) }
        let biases = (0..<outputs).map { _ in random.nextFloat(bound: bound) }
        weight = Parameter(name: "\(index).weight", value: Tensor(shape: [outputs, inputs], values: weights))
        bias = Parameter(name: "\(index).bias", value: Tensor(shape: [outputs], values: biases))
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let batch = x.rows
        let flat = x.reshaped([batch, inputs])
        if training { input = flat }
        var y = Tensor(overwritten: [batch, outputs])  // beta 0: the GEMM writes every value
        y.withMutablePointer { out in
            flat.withPointer { xv in
                weight.value.withPointer { w in
                    context.gemm(
                        transA: false, transB: true, m: batch, n: outputs, k: inputs, a: xv, lda: inputs,
                        b: w, ldb: inputs, beta: 0, c: out, ldc: outputs)
                }
            }
            bias.value.withPointer { b in lepton_add_bias_rows(batch, outputs, out, b) }
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        let batch = gradient.rows
        gradient.withPointer { g in
            input.withPointer { xv in
                weight.gradient.withMutablePointer { dw in
                    context.gemm(
                        transA: true, transB: false, m: outputs, n: inputs, k: batch, a: g, lda: outputs,
                        b: xv, ldb: inputs, beta: 0, c: dw, ldc: inputs)
                }
            }
            bias.gradient.withMutablePointer { db in lepton_sum_rows(batch, outputs, g, db) }
        }
        guard needsInputGradient else { return Tensor(zeros: [0]) }
        var dx = Tensor(overwritten: [batch, inputs])
        dx.withMutablePointer { out in
            gradient.withPointer { g in
                weight.value.withPointer { w in
                    context.gemm(
                        transA: false, transB: false, m: batch, n: inputs, k: outputs, a: g, lda: outputs,
                        b: w, ldb: inputs, beta: 0, c: out, ldc: inputs)
                }
            }
        }
        return dx
    }
}
