import CLeptonKernels
import Testing

@testable import LeptonTrainer

struct GemmTests {
    /// A reference product in Double.
    static func reference(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float]
    ) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    static func operands(_ m: Int, _ n: Int, _ k: Int) -> ([Float], [Float]) {
        var random = RandomGenerator(seed: UInt64(m * 31 + n * 7 + k))
        return (
            (0..<(m * k)).map { _ in random.nextFloat(bound: 1) }, (0..<(k * n)).map { _ in random.nextFloat(bound: 1) }
        )
    }

    @Test(arguments: [
        (1, 1, 1), (6, 16, 1), (7, 17, 3), (13, 50, 300), (64, 33, 70), (100, 10, 784), (130, 257, 600),
    ])
    func matchesReferenceForEveryTransposition(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let (a, b) = GemmTests.operands(m, n, k)
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            let expected = GemmTests.reference(transA, transB, m, n, k, a, b)
            for threads in [1, 2] {
                let context = ComputeContext(threads: threads)
                var c = [Float](repeating: 9, count: m * n)
                a.withUnsafeBufferPointer { av in
                    b.withUnsafeBufferPointer { bv in
                        c.withUnsafeMutableBufferPointer { cv in
                            context.gemm(
                                transA: transA, transB: transB, m: m, n: n, k: k, a: av.baseAddress!,
                                lda: transA ? m : k, b: bv.baseAddress!, ldb: transB ? k : n, beta: 0,
                                c: cv.baseAddress!, ldc: n)
                        }
                    }
                }
                let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst < 1e-4 * Double(k), "\(m)x\(n)x\(k) transA \(transA) transB \(transB) threads \(threads)")
            }
        }
    }

    @Test func accumulatesWithBetaOne() {
        let (m, n, k) = (9, 20, 5)
        let (a, b) = GemmTests.operands(m, n, k)
        let expected = GemmTests.reference(false, false, m, n, k, a, b)
        var c = [Float](repeating: 1, count: m * n)
        let context = ComputeContext(threads: 1)
        context.gemm(
            transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 1, c: &c, ldc: n)
        for (value, reference) in zip(c, expected) { #expect(abs(Double(value) - (reference + 1)) < 1e-4) }
    }

    /// Splitting the output between threads never changes a bit, and neither does the split
    /// between column and row blocks.
    @Test func threadCountDoesNotChangeBits() {
        let (m, n, k) = (200, 300, 257)
        let (a, b) = GemmTests.operands(m, n, k)
        var results: [[Float]] = []
        for threads in [1, 2, 3, 4] {
            var c = [Float](repeating: 0, count: m * n)
            ComputeContext(threads: threads).gemm(
                transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
            results.append(c)
        }
        #expect(results.allSatisfy { $0 == results[0] })
    }

    @Test func portableKernelAgreesWithReference() {
        let (m, n, k) = (23, 41, 67)
        let (a, b) = GemmTests.operands(m, n, k)
        let expected = GemmTests.reference(true, true, m, n, k, a, b)
        var c = [Float](repeating: 0, count: m * n)
        var workspace = [Float](repeating: 0, count: lepton_sgemm_workspace_floats())
        let status = lepton_sgemm_using(Int32(LEPTON_ISA_GENERIC), 1, 1, m, n, k, a, m, b, k, 0, &c, n, &workspace)
        #expect(status == 0)
        for (value, reference) in zip(c, expected) { #expect(abs(Double(value) - reference) < 1e-4) }
    }

    /// The AVX-512 kernel (8x32 tiles) and the AVX2 one (6x16) give the same bits for every
    /// transposition, edge tiles and k blocks included, so a checkpoint does not depend on which one
    /// the CPU picked. Skipped where the CPU lacks AVX-512.
    @Test(arguments: [(8, 32, 1), (13, 50, 300), (72, 96, 256), (130, 257, 600), (7, 5, 513)])
    func avx512AndAVX2KernelsGiveTheSameBits(shape: (Int, Int, Int)) throws {
        guard lepton_kernels_isa() >= Int32(LEPTON_ISA_AVX512) else { return }
        let (m, n, k) = shape
        let (a, b) = GemmTests.operands(m, n, k)
        var workspace = [Float](repeating: 0, count: lepton_sgemm_workspace_floats())
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            for beta: Float in [0, 1] {
                var results: [[Float]] = []
                for isa in [LEPTON_ISA_AVX2, LEPTON_ISA_AVX512] {
                    var c = (0..<(m * n)).map { Float($0 % 7) * 0.25 }
                    let status = lepton_sgemm_using(
                        Int32(isa), transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, transA ? m : k, b, transB ? k : n,
                        beta, &c, n, &workspace)
                    try #require(status == 0)
                    results.append(c)
                }
                #expect(results[0] == results[1], "\(m)x\(n)x\(k) transA \(transA) transB \(transB) beta \(beta)")
            }
        }
    }
}
