#ifndef CLEPTONKERNELS_H
#define CLEPTONKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Hot kernels of the built-in trainer, in C and assembly so they run at full speed whatever the
/// build configuration (SwiftPM builds a command plugin's tool in debug) and use AVX2/FMA when the
/// CPU has them, chosen at run time. Every kernel computes each output element in one fixed order,
/// so results do not depend on how callers split work between threads.

#ifdef __cplusplus
extern "C" {
#endif

/// Rows and columns of the portable micro-kernel's register tile (and the AVX2 kernel's); the
/// AVX-512 kernel's is 8x32. `lepton_sgemm_tile` gives the one in use.
enum { LEPTON_GEMM_MR = 6, LEPTON_GEMM_NR = 16 };

/// The instruction sets the kernels can use.
enum { LEPTON_ISA_GENERIC = 0, LEPTON_ISA_AVX2 = 1, LEPTON_ISA_AVX512 = 2 };

/// Which instruction set the kernels use: portable C, AVX2+FMA, or AVX-512F (for the GEMM; the
/// other kernels then use their AVX2 paths). Detected once, on first use;
/// `LEPTON_KERNELS=generic` forces the portable path and `LEPTON_KERNELS=avx2` the AVX2 one. Every
/// choice but the portable one gives the same bits (the portable kernel does not fuse a·b+c).
int lepton_kernels_isa(void);

/// Rows and columns of the register tile the selected GEMM micro-kernel computes: callers that
/// split a product between threads split it in whole tiles. (A product too small for the AVX-512
/// tile runs on the 6x16 one, whose columns divide these; the split never changes the bits.)
void lepton_sgemm_tile(long *rows, long *columns);

/// Floats of scratch space one `lepton_sgemm` call needs for its packed panels.
size_t lepton_sgemm_workspace_floats(void);

/// Single-threaded C[m×n] = beta·C + op(A)·op(B), all row-major.
///
/// op(A) is m×k: A itself (lda ≥ k) or, with `trans_a`, the transpose of a k×m matrix (lda ≥ m).
/// op(B) is k×n: B itself (ldb ≥ n) or, with `trans_b`, the transpose of an n×k matrix (ldb ≥ k).
/// `beta` must be 0 (overwrite) or 1 (accumulate). `workspace` holds at least
/// `lepton_sgemm_workspace_floats()` floats, 64-byte aligned. Each element of C is reduced over k
/// in ascending order in blocks of a fixed size, so splitting C between callers never changes it.
void lepton_sgemm(int trans_a, int trans_b, long m, long n, long k,
                  const float *a, long lda, const float *b, long ldb,
                  float beta, float *c, long ldc, float *workspace);

/// `lepton_sgemm` with the micro-kernel of instruction set `isa` (a `LEPTON_ISA_*`), for tests and
/// comparisons; returns -1, computing nothing, when this CPU does not run it (or the kernels were
/// forced below it), 0 otherwise.
int lepton_sgemm_using(int isa, int trans_a, int trans_b, long m, long n, long k,
                      const float *a, long lda, const float *b, long ldb,
                      float beta, float *c, long ldc, float *workspace);

/// One Adam step over `count` parameters, PyTorch's formulation: g += wd·p; m = β1·m + (1-β1)·g;
/// v = β2·v + (1-β2)·g²; p -= (lr / bc1) · m / (√v / √bc2 + ε), where bc1 = 1-β1^t, bc2 = 1-β2^t.
void lepton_adam_update(long count, float *param, const float *grad, float *m, float *v,
                        float lr, float beta1, float beta2, float epsilon, float weight_decay,
                        float bias_correction1, float bias_correction2);

/// One SGD step with momentum: v = momentum·v + g + wd·p; p -= lr·v.
void lepton_sgd_update(long count, float *param, const float *grad, float *velocity,
                       float lr, float momentum, float weight_decay);

/// y[r, :] += bias for each of `rows` rows of `cols` columns.
void lepton_add_bias_rows(long rows, long cols, float *y, const float *bias);

/// out[r, :] = source[indices[r], :] for r in 0..<count, rows of `width` floats; the rows a few
/// ahead are prefetched (a shuffled batch reads rows scattered over the whole data set).
void lepton_gather_rows(long count, long width, const float *source, const long *indices, float *out);

/// out[c] = Σ_r x[r, c] in ascending r (bias gradients).
void lepton_sum_rows(long rows, long cols, const float *x, float *out);

/// In place: x = max(x, 0); mask-free backward: g = (y > 0) ? g : 0.
void lepton_relu_forward(long count, float *x);
void lepton_relu_backward(long count, const float *y, float *grad);

/// The patch matrix of one [channels, height, width] image for a square `kernel`: row (c, ky, kx),
/// column (oy, ox) holds x[c, oy*stride + ky - padding, ox*stride + kx - padding], 0 outside.
void lepton_im2col(const float *x, long channels, long height, long width, long kernel, long stride,
                   long padding, float *col);

/// Adds a patch-matrix gradient back onto the image positions it was read from (the transpose of
/// lepton_im2col), in a fixed order.
void lepton_col2im(const float *col, long channels, long height, long width, long kernel, long stride,
                   long padding, float *dx);

/// Max pooling of planes [first, end) of height×width over size×size windows placed every
/// `stride` (a partial window at the edge is dropped): y and, per output, the flat index (from x)
/// of the first largest input, the winner the backward pass routes the gradient to. x, y and
/// winners point at plane 0.
void lepton_maxpool_forward(const float *x, long first, long end, long height, long width, long size,
                            long stride, float *y, int32_t *winners);

/// Average pooling of planes [first, end) over size×size windows every `stride` (partial windows
/// dropped); x and y point at plane 0.
void lepton_avgpool_forward(const float *x, long first, long end, long height, long width, long size,
                            long stride, float *y);

/// The gradient of lepton_avgpool_forward: dx (zeroed by the caller) += dy / size² over each window.
void lepton_avgpool_backward(const float *dy, long first, long end, long height, long width, long size,
                             long stride, float *dx);

/// y[r, c] += values[r] for each of `rows` rows of `cols` columns (a convolution's bias per filter).
void lepton_add_row_constants(long rows, long cols, float *y, const float *values);

/// x[i] *= factor.
void lepton_scale(long count, float *x, float factor);

/// Σ x[i]² in double precision, in index order.
double lepton_sum_squares(long count, const float *x);

/// out[r] += Σ_c x[r, c] for each of `rows` rows, summed in eight interleaved lanes combined in
/// a fixed order (the same bits on every call).
void lepton_row_sums(long rows, long cols, const float *x, float *out);

/// dx[winners[o]] += dy[o] for the outputs of planes [first, end), in order (dx is zeroed by the
/// caller); `outputs` is the number of outputs per plane.
void lepton_maxpool_backward(const float *dy, const int32_t *winners, long first, long end, long outputs,
                             float *dx);

#ifdef __cplusplus
}
#endif

#endif

#ifndef CLEPTONKERNELS_GZIP_H
#define CLEPTONKERNELS_GZIP_H
#ifdef __cplusplus
extern "C" {
#endif
/// Reads a whole file, inflating it if it is gzip-compressed (plain files are read as they are),
/// through zlib. On success returns 0 and a malloc'd buffer the caller frees with `free`; on
/// failure returns -1 with errno set, or -2 when the compressed data is damaged.
int lepton_read_maybe_gzip(const char *path, unsigned char **bytes, size_t *length);
#ifdef __cplusplus
}
#endif
#endif

#ifndef CLEPTONKERNELS_RELAX_H
#define CLEPTONKERNELS_RELAX_H
/// A spin-wait hint to the CPU (x86 `pause`), for busy-waiting worker threads.
static inline void lepton_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
#endif
