import CLeptonKernels
import Foundation

/// A 2-D convolution over [batch, channels, height, width] by im2col and GEMM, with weights
/// shaped [filters, channels, kernel, kernel] as in PyTorch's `nn.Conv2d`.
///
/// The samples of a batch are split between threads in contiguous runs of whole chunks, each
/// sample computed whole by one thread with the single-threaded GEMM. The weight gradient is summed over fixed chunks of
/// ``chunk`` samples, each chunk in sample order, then the chunks in order, so results do not
/// depend on the thread count. A training batch's patch matrices are kept from the forward pass
/// for the backward pass when they fit in ``ComputeContext/keptPatchFloats``; otherwise each
/// thread builds a sample's matrix in its own scratch, in the forward pass and again in the
/// backward pass, which costs less than reading a whole batch's matrices back from memory (the
/// same values either way).
final class Convolution: Layer {
    /// Samples per partial weight gradient: fixed, so the summation order is too.
    static let chunk = 8

    let weight: Parameter
    let bias: Parameter
    let geometry: Geometry
    private let context: ComputeContext
    private var input = Tensor(zeros: [0])
    /// The last training batch's patch matrices, sample after sample, when
    /// ``keepsPatches(batch:)``; else one per thread.
    private var columns: [Float] = []

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

    /// Whether a training batch of `batch` samples keeps its patch matrices for the backward
    /// pass (they fit in ``ComputeContext/keptPatchFloats``) rather than rebuilding them.
    /// The chunks of ``chunk`` samples thread `part` of `parts` handles in both passes: a
    /// contiguous share, so a thread reads back the patches it wrote and works on about the
    /// samples the layers around it give it (they split the batch in contiguous shares too);
    /// another core's cache lines cost more than the second core gains.
    static func chunks(of part: Int, parts: Int, batch: Int) -> Range<Int> {
        let chunks = (batch + chunk - 1) / chunk
        return (chunks * part / parts)..<(chunks * (part + 1) / parts)
    }

    /// The samples of ``chunks(of:parts:batch:)``.
    static func samples(of part: Int, parts: Int, batch: Int) -> Range<Int> {
        let share = chunks(of: part, parts: parts, batch: batch)
        return min(batch, share.lowerBound * chunk)..<min(batch, share.upperBound * chunk)
    }

    private func keepsPatches(batch: Int) -> Bool {
        batch * geometry.patch * geometry.positions <= context.keptPatchFloats
    }

    func forward(_ x: consuming Tensor, training: Bool) -> Tensor {
        let g = geometry
        let batch = x.rows
        if training { input = x }
        var y = Tensor(overwritten: [batch, g.filters, g.outputHeight, g.outputWidth])
        let matrix = g.patch * g.positions
        let keepsBatch = training && keepsPatches(batch: batch)
        let kept = keepsBatch ? batch : context.threads
        if columns.count != kept * matrix { columns = [Float](repeating: 0, count: kept * matrix) }
        let sampleSize = g.channels * g.height * g.width
        let outputSize = g.filters * g.positions
        x.withPointer { xv in
            y.withMutablePointer { out in
                weight.value.withPointer { w in
                    bias.value.withPointer { biases in
                        columns.withUnsafeMutableBufferPointer { kept in
                            guard let columnStart = kept.baseAddress else { return }
                            context.forEachPart { part, parts in
                                for sample in Convolution.samples(of: part, parts: parts, batch: batch) {
                                    let col = columnStart + (keepsBatch ? sample : part) * matrix
                                    lepton_im2col(
                                        xv + sample * sampleSize, g.channels, g.height, g.width, g.kernel, g.stride,
                                        g.padding, col)
                                    let target = out + sample * outputSize
                                    context.serialGemm(
                                        part: part, transA: false, transB: false, m: g.filters, n: g.positions,
                                        k: g.patch, a: w, lda: g.patch, b: col, ldb: g.positions, beta: 0, c: target,
                                        ldc: g.positions)
                                    lepton_add_row_constants(g.filters, g.positions, target, biases)
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    func backward(_ gradient: consuming Tensor, needsInputGradient: Bool) -> Tensor {
        let g = geometry
        let batch = gradient.rows
        let sampleSize = g.channels * g.height * g.width
        let outputSize = g.filters * g.positions
        let matrix = g.patch * g.positions
        let chunks = (batch + Convolution.chunk - 1) / Convolution.chunk
        let weightSize = g.filters * g.patch
        // Written before they are read: each chunk's first sample overwrites its weight sums
        // (beta 0), the input-gradient GEMM overwrites the patch gradients, and each sample's
        // input gradient is zeroed by the thread that adds onto it (no serial memset per batch).
        var partialWeights = [Float](unsafeUninitializedCapacity: chunks * weightSize) { $1 = $0.count }
        var partialBiases = [Float](repeating: 0, count: chunks * g.filters)
        var columnGradients = [Float](unsafeUninitializedCapacity: context.threads * matrix) { $1 = $0.count }
        var dx = Tensor(overwritten: needsInputGradient ? input.shape : [0])
        // A patch smaller than the filter count computes the weight gradient transposed.
        let transposed = g.patch < g.filters
        let keptBatch = keepsPatches(batch: batch)
        gradient.withPointer { dy in
            input.withPointer { xv in
                weight.value.withPointer { w in
                    columns.withUnsafeMutableBufferPointer { kept in
                        partialWeights.withUnsafeMutableBufferPointer { weightParts in
                            partialBiases.withUnsafeMutableBufferPointer { biasParts in
                                columnGradients.withUnsafeMutableBufferPointer { scratch in
                                    dx.withMutablePointer { dxv in
                                        guard let columnStart = kept.baseAddress, let weights = weightParts.baseAddress,
                                            let biases = biasParts.baseAddress, let dcolStart = scratch.baseAddress
                                        else { return }
                                        context.forEachPart { part, parts in
                                            for chunk in Convolution.chunks(of: part, parts: parts, batch: batch) {
                                                let first = chunk * Convolution.chunk
                                                let chunkBiases = biases + chunk * g.filters
                                                for sample in first..<min(batch, first + Convolution.chunk) {
                                                    let dySample = dy + sample * outputSize
                                                    lepton_row_sums(g.filters, g.positions, dySample, chunkBiases)
                                                    let col = columnStart + (keptBatch ? sample : part) * matrix
                                                    if !keptBatch {
                                                        lepton_im2col(
                                                            xv + sample * sampleSize, g.channels, g.height, g.width,
                                                            g.kernel, g.stride, g.padding, col)
                                                    }
                                                    let beta: Float = sample == first ? 0 : 1
                                                    let target = weights + chunk * weightSize
                                                    if transposed {
                                                        // dWᵀ = col · dyᵀ: fewer, fuller tiles when the patch is small.
                                                        context.serialGemm(
                                                            part: part, transA: false, transB: true, m: g.patch,
                                                            n: g.filters, k: g.positions, a: col, lda: g.positions,
                                                            b: dySample, ldb: g.positions, beta: beta, c: target,
                                                            ldc: g.filters)
                                                    } else {
                                                        context.serialGemm(
                                                            part: part, transA: false, transB: true, m: g.filters,
                                                            n: g.patch, k: g.positions, a: dySample, lda: g.positions,
                                                            b: col, ldb: g.positions, beta: beta, c: target,
                                                            ldc: g.patch)
                                                    }
                                                    guard needsInputGradient else { continue }
                                                    let dcol = dcolStart + part * matrix
                                                    context.serialGemm(
                                                        part: part, transA: true, transB: false, m: g.patch,
                                                        n: g.positions, k: g.filters, a: w, lda: g.patch, b: dySample,
                                                        ldb: g.positions, beta: 0, c: dcol, ldc: g.positions)
                                                    let dxSample = dxv + sample * sampleSize
                                                    memset(dxSample, 0, sampleSize * MemoryLayout<Float>.size)
                                                    lepton_col2im(
                                                        dcol, g.channels, g.height, g.width, g.kernel, g.stride,
                                                        g.padding, dxSample)
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
        }
        // The chunks' partial sums, in chunk order, each element by one thread.
        var weightGradient = [Float](repeating: 0, count: weightSize)
        var biasGradient = [Float](repeating: 0, count: g.filters)
        weightGradient.withUnsafeMutableBufferPointer { sums in
            partialWeights.withUnsafeBufferPointer { parts in
                guard let sums = sums.baseAddress, let parts = parts.baseAddress else { return }
                context.forEachShare(of: weightSize) { share in
                    for chunk in 0..<chunks {
                        let base = parts + chunk * weightSize
                        for index in share {
                            // Transposed sums are laid out [patch][filter].
                            let source = transposed ? (index % g.patch) * g.filters + index / g.patch : index
                            sums[index] += base[source]
                        }
                    }
                }
            }
        }
        for chunk in 0..<chunks {
            for filter in 0..<g.filters { biasGradient[filter] += partialBiases[chunk * g.filters + filter] }
        }
        weight.gradient = Tensor(shape: weight.value.shape, values: weightGradient)
        bias.gradient = Tensor(shape: [g.filters], values: biasGradient)
        return dx
    }
}
