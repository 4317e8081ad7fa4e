// The trainer's kernels in C: CPU dispatch, GEMM packing and blocking, the portable micro-kernel,
// and the element-wise optimizer, activation, convolution and pooling loops. Compiled from here
// everywhere but x86-64 Linux, which assembles ../kernels_x86_64.S, this file compiled by
// generate.sh (regenerate it after any edit; CI checks it is up to date).
//
// Floating-point contraction is off so that a*b+c is never fused behind our back: the same
// source then gives the same bits at -O0 and -O3 (the plugin's debug tool and a release build
// produce identical checkpoints).
#pragma STDC FP_CONTRACT OFF

#include "CLeptonKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// dst[p * stride + r] = rows[r][p] for r < 4, p < count: four source rows written interleaved,
/// four by four through a register transpose where SSE is there (the copy is exact either way).
static void interleave4(const float *row0, const float *row1, const float *row2, const float *row3, long count,
                        float *dst, long stride) {
    long p = 0;
#if defined(__SSE2__)
    for (; p + 4 <= count; p += 4) {
        __m128 a = _mm_loadu_ps(row0 + p), b = _mm_loadu_ps(row1 + p);
        __m128 c = _mm_loadu_ps(row2 + p), d = _mm_loadu_ps(row3 + p);
        _MM_TRANSPOSE4_PS(a, b, c, d);
        _mm_storeu_ps(dst + (p + 0) * stride, a);
        _mm_storeu_ps(dst + (p + 1) * stride, b);
        _mm_storeu_ps(dst + (p + 2) * stride, c);
        _mm_storeu_ps(dst + (p + 3) * stride, d);
    }
#endif
    for (; p < count; p++) {
        dst[p * stride + 0] = row0[p];
        dst[p * stride + 1] = row1[p];
        dst[p * stride + 2] = row2[p];
        dst[p * stride + 3] = row3[p];
    }
}

#if defined(__x86_64__)
void lepton_sgemm_kernel_6x16_avx2(long k, const float *a, const float *b, float *c, long ldc,
                                   long accumulate);
void lepton_sgemm_kernel_8x32_avx512(long k, const float *a, const float *b, float *c, long ldc,
                                     long accumulate);
#endif

enum { KC = 256, MC = 72, NC = 2048 };
enum { MR = LEPTON_GEMM_MR, NR = LEPTON_GEMM_NR };
/// The assembly kernels' register tiles; the AVX-512 one is the largest, for scratch space.
enum { AVX512_MR = 8, AVX512_NR = 32, AVX2_MR = 6, AVX2_NR = 16, TILE_FLOATS_MAX = AVX512_MR * AVX512_NR };

static int selected_isa = -1;

static int detect_isa(void) {
    const char *forced = getenv("LEPTON_KERNELS");
    if (forced != NULL && strcmp(forced, "generic") == 0) {
        return LEPTON_ISA_GENERIC;
    }
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    // The runtime's feature bits already include the OS check (XCR0 saves the zmm state).
    int avx512 = __builtin_cpu_supports("avx512f");
    int forced_avx2 = forced != NULL && strcmp(forced, "avx2") == 0;
    if (avx512 && !forced_avx2 && __builtin_cpu_supports("fma")) {
        return LEPTON_ISA_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return LEPTON_ISA_AVX2;
    }
#endif
    return LEPTON_ISA_GENERIC;
}

int lepton_kernels_isa(void) {
    int isa = __atomic_load_n(&selected_isa, __ATOMIC_RELAXED);
    if (isa < 0) {
        isa = detect_isa();
        __atomic_store_n(&selected_isa, isa, __ATOMIC_RELAXED);
    }
    return isa;
}

size_t lepton_sgemm_workspace_floats(void) {
    return (size_t)MC * KC + (size_t)KC * NC + (size_t)TILE_FLOATS_MAX;
}

/// The portable micro-kernel: the same contract as the assembly ones (ascending k, then C = T or
/// C = C + T), one multiply and one add per step, never fused.
static void kernel_generic(long k, const float *a, const float *b, float *c, long ldc, long accumulate) {
    float tile[MR * NR];
    memset(tile, 0, sizeof tile);
    for (long p = 0; p < k; p++) {
        const float *ap = a + p * MR;
        const float *bp = b + p * NR;
        for (int r = 0; r < MR; r++) {
            float av = ap[r];
            for (int col = 0; col < NR; col++) {
                tile[r * NR + col] += av * bp[col];
            }
        }
    }
    for (int r = 0; r < MR; r++) {
        for (int col = 0; col < NR; col++) {
            float *dst = c + r * ldc + col;
            *dst = accumulate ? *dst + tile[r * NR + col] : tile[r * NR + col];
        }
    }
}

/// A micro-kernel and the register tile it computes: `mr` rows by `nr` columns.
typedef struct {
    void (*run)(long, const float *, const float *, float *, long, long);
    long mr;
    long nr;
} micro_kernel;

static micro_kernel kernel_for(int isa) {
#if defined(__x86_64__)
    switch (isa) {
    case LEPTON_ISA_AVX512:
        return (micro_kernel){lepton_sgemm_kernel_8x32_avx512, AVX512_MR, AVX512_NR};
    case LEPTON_ISA_AVX2:
        return (micro_kernel){lepton_sgemm_kernel_6x16_avx2, AVX2_MR, AVX2_NR};
    default:
        break;
    }
#endif
    return (micro_kernel){kernel_generic, MR, NR};
}

static micro_kernel select_kernel(void) { return kernel_for(lepton_kernels_isa()); }

void lepton_sgemm_tile(long *rows, long *columns) {
    micro_kernel kernel = select_kernel();
    *rows = kernel.mr;
    *columns = kernel.nr;
}

/// Packs `extent` lines (rows of op(A) or columns of op(B)) from line `first`, over k in
/// [p0, p0+kc), into panels of `width` lines: panel q holds, for each p, the `width` values of lines
/// q·width ..< q·width+width (zero past `extent`). With `lines_contiguous` line l's values lie at
/// src[(first+l)·ld + p0 + p] (A itself, or B read transposed) and are read a line at a time, four
/// interleaved at once; otherwise at src[(p0+p)·ld + first + l] (A transposed, or B itself).
static void pack_panels(int lines_contiguous, const float *src, long ld, long first, long p0, long extent, long kc,
                        long width, float *dst) {
    for (long start = 0; start < extent; start += width, dst += kc * width) {
        long lines = extent - start < width ? extent - start : width;
        if (lines_contiguous) {
            long l = 0;
            for (; l + 4 <= lines; l += 4) {
                const float *line = src + (first + start + l) * ld + p0;
                interleave4(line, line + ld, line + 2 * ld, line + 3 * ld, kc, dst + l, width);
            }
            for (; l < lines; l++) {
                const float *line = src + (first + start + l) * ld + p0;
                for (long p = 0; p < kc; p++) dst[p * width + l] = line[p];
            }
            if (lines < width) {
                for (long p = 0; p < kc; p++) memset(dst + p * width + lines, 0, (size_t)(width - lines) * sizeof(float));
            }
            continue;
        }
        for (long p = 0; p < kc; p++) {
            float *out = dst + p * width;
            memcpy(out, src + (p0 + p) * ld + first + start, (size_t)lines * sizeof(float));
            if (lines < width) memset(out + lines, 0, (size_t)(width - lines) * sizeof(float));
        }
    }
}

static void sgemm_with(micro_kernel kernel, int trans_a, int trans_b, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc, float *workspace);

/// Elements of C a kernel with mr×nr tiles computes for an m×n product, padding included.
static long padded_elements(long m, long n, long mr, long nr) {
    return ((m + mr - 1) / mr) * mr * (((n + nr - 1) / nr) * nr);
}

/// The selected kernel, or the AVX2 one for a product so narrow or short that the AVX-512 tile
/// would be mostly padding (a 9x16 weight gradient fills 28% of its 8x32 tiles and 75% of the 6x16
/// ones). The AVX-512 kernel computes about twice the elements per cycle, hence the factor. Both
/// give the same bits, so the choice changes only the speed.
static micro_kernel kernel_for_shape(long m, long n) {
    int isa = lepton_kernels_isa();
    micro_kernel chosen = kernel_for(isa);
    if (isa == LEPTON_ISA_AVX512) {
        micro_kernel narrow = kernel_for(LEPTON_ISA_AVX2);
        if (2 * padded_elements(m, n, narrow.mr, narrow.nr) < padded_elements(m, n, chosen.mr, chosen.nr)) {
            return narrow;
        }
    }
    return chosen;
}

void lepton_sgemm(int trans_a, int trans_b, long m, long n, long k,
                  const float *a, long lda, const float *b, long ldb,
                  float beta, float *c, long ldc, float *workspace) {
    sgemm_with(kernel_for_shape(m, n), trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, workspace);
}

int lepton_sgemm_using(int isa, int trans_a, int trans_b, long m, long n, long k,
                      const float *a, long lda, const float *b, long ldb,
                      float beta, float *c, long ldc, float *workspace) {
    // Only what this CPU runs: never more than the detected set (nor what it was forced down to).
    if (isa > lepton_kernels_isa()) {
        return -1;
    }
    sgemm_with(kernel_for(isa), trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc, workspace);
    return 0;
}

static void sgemm_with(micro_kernel kernel, int trans_a, int trans_b, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc, float *workspace) {
    if (m <= 0 || n <= 0) {
        return;
    }
    if (k <= 0) {
        if (beta == 0) {
            for (long i = 0; i < m; i++) {
                memset(c + i * ldc, 0, (size_t)n * sizeof(float));
            }
        }
        return;
    }
    const long kmr = kernel.mr, knr = kernel.nr;
    float *packed_a = workspace;
    float *packed_b = workspace + (size_t)MC * KC;
    float *tile = packed_b + (size_t)KC * NC;

    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            long accumulate = !(pc == 0 && beta == 0);
            pack_panels(trans_b, b, ldb, jc, pc, nc, kc, knr, packed_b);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                pack_panels(!trans_a, a, lda, ic, pc, mc, kc, kmr, packed_a);
                for (long jr = 0; jr < nc; jr += knr) {
                    long nr = nc - jr < knr ? nc - jr : knr;
                    const float *pb = packed_b + (jr / knr) * kc * knr;
                    for (long ir = 0; ir < mc; ir += kmr) {
                        long mr = mc - ir < kmr ? mc - ir : kmr;
                        const float *pa = packed_a + (ir / kmr) * kc * kmr;
                        float *cc = c + (ic + ir) * ldc + jc + jr;
                        if (mr == kmr && nr == knr) {
                            kernel.run(kc, pa, pb, cc, ldc, accumulate);
                            continue;
                        }
                        // An edge tile: compute the whole padded tile, keep the valid part.
                        kernel.run(kc, pa, pb, tile, knr, 0);
                        for (long r = 0; r < mr; r++) {
                            for (long col = 0; col < nr; col++) {
                                float t = tile[r * knr + col];
                                cc[r * ldc + col] = accumulate ? cc[r * ldc + col] + t : t;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The scalar Adam step for elements [begin, end): the reference the assembly loop
/// (adam_avx2.S) matches bit for bit (each operation is correctly rounded and none is fused).
static void adam_scalar(long begin, long end, float *param, const float *grad, float *m, float *v,
                        float step, float root_bc2, float beta1, float beta2, float one_minus_beta1,
                        float one_minus_beta2, float epsilon, float weight_decay) {
    for (long i = begin; i < end; i++) {
        // The decay term is added even when it is zero, exactly as the vector path does.
        float g = grad[i] + weight_decay * param[i];
        float mi = beta1 * m[i] + one_minus_beta1 * g;
        float vi = beta2 * v[i] + one_minus_beta2 * (g * g);
        m[i] = mi;
        v[i] = vi;
        float denom = __builtin_sqrtf(vi) / root_bc2 + epsilon;
        param[i] = param[i] - step * (mi / denom);
    }
}

#if defined(__x86_64__)
void lepton_adam_avx2(long n8, float *param, const float *grad, float *m, float *v, const float constants[8]);
#endif

void lepton_adam_update(long count, float *param, const float *grad, float *m, float *v,
                        float lr, float beta1, float beta2, float epsilon, float weight_decay,
                        float bias_correction1, float bias_correction2) {
    float step = lr / bias_correction1;
    float root_bc2 = __builtin_sqrtf(bias_correction2);
    long done = 0;
#if defined(__x86_64__)
    if (lepton_kernels_isa() >= LEPTON_ISA_AVX2) {
        const float constants[8] = {beta1, beta2, 1 - beta1, 1 - beta2, epsilon, weight_decay, step, root_bc2};
        lepton_adam_avx2(count / 8, param, grad, m, v, constants);
        done = count / 8 * 8;
    }
#endif
    adam_scalar(done, count, param, grad, m, v, step, root_bc2, beta1, beta2, 1 - beta1, 1 - beta2,
                epsilon, weight_decay);
}

void lepton_sgd_update(long count, float *param, const float *grad, float *velocity,
                       float lr, float momentum, float weight_decay) {
    for (long i = 0; i < count; i++) {
        float g = grad[i];
        if (weight_decay != 0) {
            g = g + weight_decay * param[i];
        }
        float vi = momentum * velocity[i] + g;
        velocity[i] = vi;
        param[i] = param[i] - lr * vi;
    }
}

void lepton_add_bias_rows(long rows, long cols, float *y, const float *bias) {
    for (long r = 0; r < rows; r++) {
        float *row = y + r * cols;
        for (long col = 0; col < cols; col++) {
            row[col] = row[col] + bias[col];
        }
    }
}

void lepton_gather_rows(long count, long width, const float *source, const long *indices, float *out) {
    const long ahead = 4;
    const long bytes = width * (long)sizeof(float);
    for (long row = 0; row < count; row++) {
        if (row + ahead < count) {
            const char *next = (const char *)(source + indices[row + ahead] * width);
            for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch(next + offset);
        }
        memcpy(out + row * width, source + indices[row] * width, (size_t)bytes);
    }
}

void lepton_sum_rows(long rows, long cols, const float *x, float *out) {
    memset(out, 0, (size_t)cols * sizeof(float));
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        for (long col = 0; col < cols; col++) {
            out[col] = out[col] + row[col];
        }
    }
}

// The ReLU loops select with a compare mask instead of a branch: the sign of an activation is a
// coin toss, and the branchy loop the compiler made of `x > 0 ? x : 0` spent most of its time in
// mispredictions. The mask gives the same values (NaN and -0 become +0 either way).
void lepton_relu_forward(long count, float *x) {
    long i = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= count; i += 4) {
        __m128 v = _mm_loadu_ps(x + i);
        _mm_storeu_ps(x + i, _mm_and_ps(v, _mm_cmpgt_ps(v, zero)));
    }
#endif
    for (; i < count; i++) {
        x[i] = x[i] > 0 ? x[i] : 0;
    }
}

void lepton_relu_backward(long count, const float *y, float *grad) {
    long i = 0;
#if defined(__SSE2__)
    const __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= count; i += 4) {
        __m128 keep = _mm_cmpgt_ps(_mm_loadu_ps(y + i), zero);
        _mm_storeu_ps(grad + i, _mm_and_ps(_mm_loadu_ps(grad + i), keep));
    }
#endif
    for (; i < count; i++) {
        grad[i] = y[i] > 0 ? grad[i] : 0;
    }
}

/// The output columns [first, last) of kernel column kx whose input column lies inside the image.
static void inside_columns(long out_w, long width, long stride, long kx, long padding, long *first, long *last) {
    long begin = 0, end = out_w;
    while (begin < out_w && begin * stride + kx - padding < 0) begin++;
    while (end > begin && (end - 1) * stride + kx - padding >= width) end--;
    *first = begin;
    *last = end;
}

void lepton_im2col(const float *x, long channels, long height, long width, long kernel, long stride,
                   long padding, float *col) {
    long out_h = (height + 2 * padding - kernel) / stride + 1;
    long out_w = (width + 2 * padding - kernel) / stride + 1;
    float *row = col;
    for (long c = 0; c < channels; c++) {
        for (long ky = 0; ky < kernel; ky++) {
            for (long kx = 0; kx < kernel; kx++, row += out_h * out_w) {
                // Output columns whose input column lies inside the image: [first, last).
                long first, last;
                inside_columns(out_w, width, stride, kx, padding, &first, &last);
                for (long oy = 0; oy < out_h; oy++) {
                    float *dst = row + oy * out_w;
                    long iy = oy * stride + ky - padding;
                    if (iy < 0 || iy >= height) {
                        memset(dst, 0, (size_t)out_w * sizeof(float));
                        continue;
                    }
                    const float *src = x + (c * height + iy) * width + kx - padding;
                    for (long ox = 0; ox < first; ox++) dst[ox] = 0;
                    if (stride == 1) {
                        memcpy(dst + first, src + first, (size_t)(last - first) * sizeof(float));
                    } else {
                        for (long ox = first; ox < last; ox++) dst[ox] = src[ox * stride];
                    }
                    for (long ox = last; ox < out_w; ox++) dst[ox] = 0;
                }
            }
        }
    }
}

void lepton_col2im(const float *col, long channels, long height, long width, long kernel, long stride,
                   long padding, float *dx) {
    long out_h = (height + 2 * padding - kernel) / stride + 1;
    long out_w = (width + 2 * padding - kernel) / stride + 1;
    const float *row = col;
    for (long c = 0; c < channels; c++) {
        for (long ky = 0; ky < kernel; ky++) {
            for (long kx = 0; kx < kernel; kx++, row += out_h * out_w) {
                long first, last;
                inside_columns(out_w, width, stride, kx, padding, &first, &last);
                for (long oy = 0; oy < out_h; oy++) {
                    long iy = oy * stride + ky - padding;
                    if (iy < 0 || iy >= height) continue;
                    const float *src = row + oy * out_w;
                    float *dst = dx + (c * height + iy) * width + kx - padding;
                    if (stride == 1) {
                        for (long ox = first; ox < last; ox++) dst[ox] += src[ox];
                    } else {
                        for (long ox = first; ox < last; ox++) dst[ox * stride] += src[ox];
                    }
                }
            }
        }
    }
}

#if defined(__SSE2__)
/// Lane by lane: `chosen` where `mask` is all ones, `other` where it is zero.
static inline __m128 select_ps(__m128i mask, __m128 chosen, __m128 other) {
    __m128 m = _mm_castsi128_ps(mask);
    return _mm_or_ps(_mm_and_ps(m, chosen), _mm_andnot_ps(m, other));
}

static inline __m128i select_epi32(__m128i mask, __m128i chosen, __m128i other) {
    return _mm_or_si128(_mm_and_si128(mask, chosen), _mm_andnot_si128(mask, other));
}
#endif

void lepton_maxpool_forward(const float *x, long first, long end, long height, long width, long size,
                            long stride, float *y, int32_t *winners) {
    long out_h = (height - size) / stride + 1;
    long out_w = (width - size) / stride + 1;
    long o = first * out_h * out_w;
    if (size == 2 && stride == 2) {
        // The common 2×2 window, unrolled: the first largest of (a, b, c, d) in reading order,
        // four windows at a time with compare masks where SSE2 is there (the comparisons are the
        // scalar loop's, so the values and winners are the same; branches on them mispredict).
        for (long plane = first; plane < end; plane++) {
            long base = plane * height * width;
            for (long oy = 0; oy < out_h; oy++) {
                const float *top = x + base + 2 * oy * width;
                const float *bottom = top + width;
                long start = base + 2 * oy * width;
                long ox = 0;
#if defined(__SSE2__)
                for (; ox + 4 <= out_w; ox += 4, o += 4) {
                    __m128 t0 = _mm_loadu_ps(top + 2 * ox), t1 = _mm_loadu_ps(top + 2 * ox + 4);
                    __m128 b0 = _mm_loadu_ps(bottom + 2 * ox), b1 = _mm_loadu_ps(bottom + 2 * ox + 4);
                    __m128 a = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(2, 0, 2, 0));
                    __m128 b = _mm_shuffle_ps(t0, t1, _MM_SHUFFLE(3, 1, 3, 1));
                    __m128 c = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0));
                    __m128 d = _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1));
                    int32_t left = (int32_t)(start + 2 * ox);
                    __m128i offsets = _mm_setr_epi32(left, left + 2, left + 4, left + 6);
                    __m128i index = offsets;
                    __m128 value = a;
                    __m128i m = _mm_castps_si128(_mm_cmpgt_ps(b, value));
                    value = select_ps(m, b, value);
                    index = _mm_sub_epi32(index, m);  // + 1 where b won (the mask is -1)
                    __m128i candidate = _mm_add_epi32(offsets, _mm_set1_epi32((int32_t)width));
                    m = _mm_castps_si128(_mm_cmpgt_ps(c, value));
                    value = select_ps(m, c, value);
                    index = select_epi32(m, candidate, index);
                    candidate = _mm_add_epi32(candidate, _mm_set1_epi32(1));
                    m = _mm_castps_si128(_mm_cmpgt_ps(d, value));
                    value = select_ps(m, d, value);
                    index = select_epi32(m, candidate, index);
                    _mm_storeu_ps(y + o, value);
                    _mm_storeu_si128((__m128i *)(winners + o), index);
                }
#endif
                for (; ox < out_w; ox++, o++) {
                    float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
                    float value = a;
                    long best = 2 * ox;
                    if (b > value) { value = b; best = 2 * ox + 1; }
                    if (c > value) { value = c; best = width + 2 * ox; }
                    if (d > value) { value = d; best = width + 2 * ox + 1; }
                    y[o] = value;
                    winners[o] = (int32_t)(start + best);
                }
            }
        }
        return;
    }
    for (long plane = first; plane < end; plane++) {
        long base = plane * height * width;
        for (long oy = 0; oy < out_h; oy++) {
            for (long ox = 0; ox < out_w; ox++, o++) {
                long start = base + oy * stride * width + ox * stride;
                long best = start;
                float value = x[start];
                for (long dy = 0; dy < size; dy++) {
                    const float *line = x + start + dy * width;
                    for (long dx = 0; dx < size; dx++) {
                        if (line[dx] > value) {
                            value = line[dx];
                            best = start + dy * width + dx;
                        }
                    }
                }
                y[o] = value;
                winners[o] = (int32_t)best;
            }
        }
    }
}

void lepton_avgpool_forward(const float *x, long first, long end, long height, long width, long size,
                            long stride, float *y) {
    long out_h = (height - size) / stride + 1;
    long out_w = (width - size) / stride + 1;
    float area = (float)(size * size);
    for (long plane = first; plane < end; plane++) {
        const float *image = x + plane * height * width;
        float *out = y + plane * out_h * out_w;
        for (long oy = 0; oy < out_h; oy++) {
            for (long ox = 0; ox < out_w; ox++) {
                float sum = 0;
                for (long dy = 0; dy < size; dy++) {
                    const float *line = image + (oy * stride + dy) * width + ox * stride;
                    for (long dx = 0; dx < size; dx++) sum += line[dx];
                }
                out[oy * out_w + ox] = sum / area;
            }
        }
    }
}

void lepton_avgpool_backward(const float *dy, long first, long end, long height, long width, long size,
                             long stride, float *dx) {
    long out_h = (height - size) / stride + 1;
    long out_w = (width - size) / stride + 1;
    float area = (float)(size * size);
    for (long plane = first; plane < end; plane++) {
        const float *gradient = dy + plane * out_h * out_w;
        float *image = dx + plane * height * width;
        for (long oy = 0; oy < out_h; oy++) {
            for (long ox = 0; ox < out_w; ox++) {
                float share = gradient[oy * out_w + ox] / area;
                for (long wy = 0; wy < size; wy++) {
                    float *line = image + (oy * stride + wy) * width + ox * stride;
                    for (long wx = 0; wx < size; wx++) line[wx] += share;
                }
            }
        }
    }
}

void lepton_add_row_constants(long rows, long cols, float *y, const float *values) {
    for (long r = 0; r < rows; r++) {
        float value = values[r];
        float *row = y + r * cols;
        for (long c = 0; c < cols; c++) row[c] = row[c] + value;
    }
}

void lepton_scale(long count, float *x, float factor) {
    for (long i = 0; i < count; i++) x[i] = x[i] * factor;
}

double lepton_sum_squares(long count, const float *x) {
    double sum = 0;
    for (long i = 0; i < count; i++) sum += (double)x[i] * (double)x[i];
    return sum;
}

void lepton_row_sums(long rows, long cols, const float *x, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * cols;
        float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        long c = 0;
        for (; c + 8 <= cols; c += 8) {
            for (long l = 0; l < 8; l++) lanes[l] += row[c + l];
        }
        float sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (; c < cols; c++) sum += row[c];
        out[r] += sum;
    }
}

void lepton_maxpool_backward(const float *dy, const int32_t *winners, long first, long end, long outputs,
                             float *dx) {
    for (long o = first * outputs; o < end * outputs; o++) {
        dx[winners[o]] += dy[o];
    }
}
