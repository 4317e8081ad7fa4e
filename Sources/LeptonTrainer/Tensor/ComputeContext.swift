import CLeptonKernels

/// Where the trainer's kernels run: a thread count and each thread's GEMM scratch space.
///
/// Parallel kernels split their *output* between threads, each element belonging to exactly one
/// thread, and every element is reduced in the same order whatever the split, so the thread count
/// changes speed, never results.
public final class ComputeContext: @unchecked Sendable {
    /// How many threads parallel kernels use.
    public let threads: Int
    /// Floats of patch matrices a convolution keeps from a training batch's forward pass for its
    /// backward pass; beyond it, each thread rebuilds them (see ``Convolution``).
    public let keptPatchFloats: Int
    private let workspaces: [UnsafeMutablePointer<Float>]
    private let pool: SpinningPool

    /// A context using `threads` threads (at least 1). `keptPatchFloats` defaults to 4 MiB of
    /// floats: 32 samples of 32 filters of 3x3 over 14x14, not 128 of them (14 MB; see
    /// docs/Design/Trainer.md, "Patch matrices kept while they are small").
    public init(threads: Int, keptPatchFloats: Int = 1 << 20) {
        self.threads = max(1, threads)
        self.keptPatchFloats = keptPatchFloats
        pool = SpinningPool(threads: self.threads)
        let floats = lepton_sgemm_workspace_floats()
        workspaces = (0..<self.threads).map { _ in
            UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: floats)
        }
    }

    deinit {
        for workspace in workspaces { UnsafeMutableRawPointer(workspace).deallocate() }
    }

    /// The instruction set the kernels use on this CPU: "avx512f", "avx2+fma" or "generic".
    public static var instructionSet: String {
        switch lepton_kernels_isa() {
        case Int32(LEPTON_ISA_AVX512): "avx512f"
        case Int32(LEPTON_ISA_AVX2): "avx2+fma"
        default: "generic"
        }
    }

    /// Rows and columns of the GEMM's register tile on this CPU.
    private static let gemmTile: (rows: Int, columns: Int) = {
        var rows = 0
        var columns = 0
        lepton_sgemm_tile(&rows, &columns)
        return (rows, columns)
    }()

    /// C[m×n] = beta·C + op(A)·op(B) for row-major operands (see `lepton_sgemm`).
    ///
    /// Splits C into column blocks (or row blocks when C is tall) of whole micro-tiles, one per
    /// thread, when the product is large enough to pay for the hand-off.
    ///
    /// `transA` reads A as its transpose (A is k×m with leading dimension `lda`), `transB` reads
    /// B as its transpose (B is n×k, leading dimension `ldb`); `beta` is 0 to overwrite C, 1 to
    /// add to it.
    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let work = m * n * k
        let parts = work < 400_000 ? 1 : threads
        if parts == 1 {
            lepton_sgemm(
                transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc, workspaces[0])
            return
        }
        let splitColumns = n >= m
        let unit = splitColumns ? Self.gemmTile.columns : Self.gemmTile.rows
        let extent = splitColumns ? n : m
        let tiles = (extent + unit - 1) / unit
        let perPart = (tiles + parts - 1) / parts
        let sendable = GemmOperands(a: a, b: b, c: c)
        pool.run(parts: parts) { part in
            let start = part * perPart * unit
            let end = min(extent, start + perPart * unit)
            guard start < end else { return }
            let operands = sendable
            if splitColumns {
                let bStart = transB ? operands.b + start * ldb : operands.b + start
                lepton_sgemm(
                    transA ? 1 : 0, transB ? 1 : 0, m, end - start, k, operands.a, lda, bStart, ldb, beta,
                    operands.c + start, ldc, workspaces[part])
            } else {
                let aStart = transA ? operands.a + start : operands.a + start * lda
                lepton_sgemm(
                    transA ? 1 : 0, transB ? 1 : 0, end - start, n, k, aStart, lda, operands.b, ldb, beta,
                    operands.c + start * ldc, ldc, workspaces[part])
            }
        }
    }

    /// Runs `body(part, parts)` once for each part in 0..<parts (parts = ``threads``), each on its
    /// own thread; a part calls ``serialGemm(part:transA:transB:m:n:k:a:lda:b:ldb:beta:c:ldc:)``
    /// with its own index. The caller splits the work by `part` and must not let the split
    /// change any result.
    public func forEachPart(_ body: (_ part: Int, _ parts: Int) -> Void) {
        if threads == 1 {
            body(0, 1)
            return
        }
        let parts = threads
        pool.run(parts: parts) { body($0, parts) }
    }

    /// Runs `body` on every thread with its contiguous share of 0..<count (a share may be empty);
    /// for work whose items are each computed whole by one thread, so the split changes nothing.
    public func forEachShare(of count: Int, _ body: (Range<Int>) -> Void) {
        forEachPart { part, parts in body((count * part / parts)..<(count * (part + 1) / parts)) }
    }

    /// The single-threaded GEMM of ``gemm(transA:transB:m:n:k:a:lda:b:ldb:beta:c:ldc:)`` on part
    /// `part`'s scratch space: the same bits whichever part runs it.
    public func serialGemm(
        part: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        lepton_sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc, workspaces[part])
    }

    /// Runs `body(i)` for i in 0..<count on up to ``threads`` threads; each call must write only
    /// what belongs to its index.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        var start = 0
        while start < count {
            let parts = min(threads, count - start)
            let base = start
            pool.run(parts: parts) { body(base + $0) }
            start += parts
        }
    }
}

/// Raw operand pointers handed to the GEMM's worker threads, each of which writes its own part.
private struct GemmOperands: @unchecked Sendable {
    let a: UnsafePointer<Float>
    let b: UnsafePointer<Float>
    let c: UnsafeMutablePointer<Float>
}
