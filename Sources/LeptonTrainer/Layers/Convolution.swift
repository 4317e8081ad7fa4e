/// A 2-D convolution over [batch, channels, height, width] by im2col and GEMM, with weights
/// shaped [filters, channels, kernel, kernel] as in PyTorch's `nn.Conv2d`.
///
/// Samples are processed one after another (the GEMM inside is parallel), and the weight
/// gradient is accumulated over samples in order, so results do not depend on the thread count.
final class Convolution: Layer {
    let weight: Parameter
    let bias: Parameter
    let geometry: Geometry
    private let context: ComputeContext
    private var input = Tensor(zeros: [0])

    /// The sizes of one convolution.
    struct Geometry {
        let channels: Int, height: Int, width: Int
        let filters: Int, kernel: Int, stride: Int, padding: Int

        var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
        var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
        /// Rows of the im2col matrix: one per (channel, ky, kx).
        var patch: Int { channels * kernel * kernel }
        /// Columns of the im2col matrix: one per output position.
        var positions: Int { outputHeight * outputWidth }
    }

    init(index: Int, geometry: Geometry, random: inout RandomGenerator, context: ComputeContext) {
        self.geometry = geometry
        self.context = context
        let bound = 1 / Float(geometry.patch).squareRoot()
        let weights = (0..<(geometry.filters * geometry.patch)).map { _ in random.nextFloat(bound: bound) }
        let biases = (0..<geometry.filters).map { _ in random.nextFloat(bound: bound) }
        weight = Parameter(
            name: "\(index).weight",
            value: Tensor(
                shape: [geometry.filters, geometry.channels, geometry.kernel, geometry.kernel], values: weights))
        bias = Parameter(name: "\(index).bias", value: Tensor(shape: [geometry.filters], values: biases))
    }

    var parameters: [Parameter] { [weight, bias] }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry
        let batch = x.rows
        if training { input = x }
        var y = Tensor(zeros: [batch, g.filters, g.outputHeight, g.outputWidth])
        var columns = [Float](repeating: 0, count: g.patch * g.positions)
        let sampleSize = g.channels * g.height * g.width
        let outputSize = g.filters * g.positions
        let biases = bias.value.values
        y.withMutablePointer { out in
            x.withPointer { xv in
                weight.value.withPointer { w in
                    for sample in 0..<batch {
                        columns.withUnsafeMutableBufferPointer { col in
                            Convolution.im2col(xv + sample * sampleSize, g, col)
                            guard let colStart = col.baseAddress else { return }
                            let target = out + sample * outputSize
                            context.gemm(
                                transA: false, transB: false, m: g.filters, n: g.positions, k: g.patch, a: w,
                                lda: g.patch, b: colStart, ldb: g.positions, beta: 0, c: target, ldc: g.positions)
                            for filter in 0..<g.filters {
                                let row = target + filter * g.positions
                                for position in 0..<g.positions { row[position] = row[position] + biases[filter] }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    func backward(_ gradient: Tensor, needsInputGradient: Bool) -> Tensor {
        let g = geometry
        let batch = gradient.rows
        let sampleSize = g.channels * g.height * g.width
        let outputSize = g.filters * g.positions
        var columns = [Float](repeating: 0, count: g.patch * g.positions)
        var columnGradient = [Float](repeating: 0, count: g.patch * g.positions)
        var dx = Tensor(zeros: needsInputGradient ? input.shape : [0])
        var biasGradient = [Float](repeating: 0, count: g.filters)
        gradient.withPointer { dy in
            input.withPointer { xv in
                weight.value.withPointer { w in
                    weight.gradient.withMutablePointer { dw in
                        dx.withMutablePointer { dxv in
                            for sample in 0..<batch {
                                let dySample = dy + sample * outputSize
                                for filter in 0..<g.filters {
                                    var sum: Float = 0
                                    for position in 0..<g.positions { sum += dySample[filter * g.positions + position] }
                                    biasGradient[filter] += sum
                                }
                                columns.withUnsafeMutableBufferPointer { col in
                                    Convolution.im2col(xv + sample * sampleSize, g, col)
                                    guard let colStart = col.baseAddress else { return }
                                    context.gemm(
                                        transA: false, transB: true, m: g.filters, n: g.patch, k: g.positions,
                                        a: dySample, lda: g.positions, b: colStart, ldb: g.positions,
                                        beta: sample == 0 ? 0 : 1, c: dw, ldc: g.patch)
                                }
                                guard needsInputGradient else { continue }
                                columnGradient.withUnsafeMutableBufferPointer { dcol in
                                    guard let dcolStart = dcol.baseAddress else { return }
                                    context.gemm(
                                        transA: true, transB: false, m: g.patch, n: g.positions, k: g.filters, a: w,
                                        lda: g.patch, b: dySample, ldb: g.positions, beta: 0, c: dcolStart,
                                        ldc: g.positions)
                                    Convolution.col2im(UnsafeBufferPointer(dcol), g, dxv + sample * sampleSize)
                                }
                            }
                        }
                    }
                }
            }
        }
        bias.gradient = Tensor(shape: [g.filters], values: biasGradient)
        return dx
    }

    /// Writes the patch matrix of one sample: row (c, ky, kx), column (oy, ox) holds
    /// x[c, oy·stride + ky - padding, ox·stride + kx - padding], zero outside the image.
    static func im2col(_ x: UnsafePointer<Float>, _ g: Geometry, _ col: UnsafeMutableBufferPointer<Float>) {
        var row = 0
        for channel in 0..<g.channels {
            for ky in 0..<g.kernel {
                for kx in 0..<g.kernel {
                    let rowStart = row * g.positions
                    for oy in 0..<g.outputHeight {
                        let iy = oy * g.stride + ky - g.padding
                        for ox in 0..<g.outputWidth {
                            let ix = ox * g.stride + kx - g.padding
                            let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                            col[rowStart + oy * g.outputWidth + ox] =
                                inside ? x[(channel * g.height + iy) * g.width + ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Adds a patch-matrix gradient back onto the image positions it was read from (the
    /// transpose of ``im2col(_:_:_:)``), in a fixed order.
    static func col2im(_ col: UnsafeBufferPointer<Float>, _ g: Geometry, _ dx: UnsafeMutablePointer<Float>) {
        var row = 0
        for channel in 0..<g.channels {
            for ky in 0..<g.kernel {
                for kx in 0..<g.kernel {
                    let rowStart = row * g.positions
                    for oy in 0..<g.outputHeight {
                        let iy = oy * g.stride + ky - g.padding
                        guard iy >= 0 && iy < g.height else { continue }
                        for ox in 0..<g.outputWidth {
                            let ix = ox * g.stride + kx - g.padding
                            guard ix >= 0 && ix < g.width else { continue }
                            let index = (channel * g.height + iy) * g.width + ix
                            dx[index] = dx[index] + col[rowStart + oy * g.outputWidth + ox]
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
