// The 8x32 single-precision GEMM micro-kernel for AVX-512F (Skylake-X, Zen 4 and later), System V
// ABI. The same contract as the 6x16 AVX2 kernel, on a wider tile:
//
// void lepton_sgemm_kernel_8x32_avx512(long k, const float *a, const float *b, float *c, long ldc,
//                                      long accumulate);
//
// a: k groups of 8 floats (a packed column panel of A), b: k groups of 32 floats (a packed row
// panel of B). Computes the 8x32 tile T = sum over p in 0..<k (ascending) of a[p]^T * b[p], one
// fused multiply-add per step and element, then C = T (accumulate == 0) or C = C + T, where row r
// of C starts at c + r*ldc floats. Sixteen zmm registers (zmm16-zmm31) hold the tile.
//
// Each element of C sees exactly the operations the AVX2 kernel performs on it (a zeroed
// accumulator, one FMA per p in ascending order, one final add), so the two kernels give the same
// bits and a checkpoint does not depend on which one the CPU picked. Written in assembly for the
// same reason as the AVX2 kernel: its speed must not depend on the optimisation level. Callers pick
// it only when the CPU reports AVX-512F and the OS saves the zmm state (see kernels.c).

#if defined(__x86_64__)

#if defined(__APPLE__)
#define KERNEL _lepton_sgemm_kernel_8x32_avx512
#else
#define KERNEL lepton_sgemm_kernel_8x32_avx512
#endif

    .text
    .globl KERNEL
#if !defined(__APPLE__)
    .type KERNEL, @function
#endif
    .p2align 5
KERNEL:
    vpxord %zmm16, %zmm16, %zmm16
    vpxord %zmm17, %zmm17, %zmm17
    vpxord %zmm18, %zmm18, %zmm18
    vpxord %zmm19, %zmm19, %zmm19
    vpxord %zmm20, %zmm20, %zmm20
    vpxord %zmm21, %zmm21, %zmm21
    vpxord %zmm22, %zmm22, %zmm22
    vpxord %zmm23, %zmm23, %zmm23
    vpxord %zmm24, %zmm24, %zmm24
    vpxord %zmm25, %zmm25, %zmm25
    vpxord %zmm26, %zmm26, %zmm26
    vpxord %zmm27, %zmm27, %zmm27
    vpxord %zmm28, %zmm28, %zmm28
    vpxord %zmm29, %zmm29, %zmm29
    vpxord %zmm30, %zmm30, %zmm30
    vpxord %zmm31, %zmm31, %zmm31
    test %rdi, %rdi
    jz 2f
    .p2align 4
1:
    vmovups (%rdx), %zmm0
    vmovups 64(%rdx), %zmm1
    vbroadcastss 0(%rsi), %zmm2
    vfmadd231ps %zmm0, %zmm2, %zmm16
    vfmadd231ps %zmm1, %zmm2, %zmm17
    vbroadcastss 4(%rsi), %zmm3
    vfmadd231ps %zmm0, %zmm3, %zmm18
    vfmadd231ps %zmm1, %zmm3, %zmm19
    vbroadcastss 8(%rsi), %zmm2
    vfmadd231ps %zmm0, %zmm2, %zmm20
    vfmadd231ps %zmm1, %zmm2, %zmm21
    vbroadcastss 12(%rsi), %zmm3
    vfmadd231ps %zmm0, %zmm3, %zmm22
    vfmadd231ps %zmm1, %zmm3, %zmm23
    vbroadcastss 16(%rsi), %zmm2
    vfmadd231ps %zmm0, %zmm2, %zmm24
    vfmadd231ps %zmm1, %zmm2, %zmm25
    vbroadcastss 20(%rsi), %zmm3
    vfmadd231ps %zmm0, %zmm3, %zmm26
    vfmadd231ps %zmm1, %zmm3, %zmm27
    vbroadcastss 24(%rsi), %zmm2
    vfmadd231ps %zmm0, %zmm2, %zmm28
    vfmadd231ps %zmm1, %zmm2, %zmm29
    vbroadcastss 28(%rsi), %zmm3
    vfmadd231ps %zmm0, %zmm3, %zmm30
    vfmadd231ps %zmm1, %zmm3, %zmm31
    add $32, %rsi
    add $128, %rdx
    dec %rdi
    jnz 1b
2:
    shl $2, %r8
    test %r9, %r9
    jz 3f
    vaddps 0(%rcx), %zmm16, %zmm16
    vmovups %zmm16, 0(%rcx)
    vaddps 64(%rcx), %zmm17, %zmm17
    vmovups %zmm17, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm18, %zmm18
    vmovups %zmm18, 0(%rcx)
    vaddps 64(%rcx), %zmm19, %zmm19
    vmovups %zmm19, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm20, %zmm20
    vmovups %zmm20, 0(%rcx)
    vaddps 64(%rcx), %zmm21, %zmm21
    vmovups %zmm21, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm22, %zmm22
    vmovups %zmm22, 0(%rcx)
    vaddps 64(%rcx), %zmm23, %zmm23
    vmovups %zmm23, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm24, %zmm24
    vmovups %zmm24, 0(%rcx)
    vaddps 64(%rcx), %zmm25, %zmm25
    vmovups %zmm25, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm26, %zmm26
    vmovups %zmm26, 0(%rcx)
    vaddps 64(%rcx), %zmm27, %zmm27
    vmovups %zmm27, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm28, %zmm28
    vmovups %zmm28, 0(%rcx)
    vaddps 64(%rcx), %zmm29, %zmm29
    vmovups %zmm29, 64(%rcx)
    add %r8, %rcx
    vaddps 0(%rcx), %zmm30, %zmm30
    vmovups %zmm30, 0(%rcx)
    vaddps 64(%rcx), %zmm31, %zmm31
    vmovups %zmm31, 64(%rcx)
    vzeroupper
    ret
3:
    vmovups %zmm16, 0(%rcx)
    vmovups %zmm17, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm18, 0(%rcx)
    vmovups %zmm19, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm20, 0(%rcx)
    vmovups %zmm21, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm22, 0(%rcx)
    vmovups %zmm23, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm24, 0(%rcx)
    vmovups %zmm25, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm26, 0(%rcx)
    vmovups %zmm27, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm28, 0(%rcx)
    vmovups %zmm29, 64(%rcx)
    add %r8, %rcx
    vmovups %zmm30, 0(%rcx)
    vmovups %zmm31, 64(%rcx)
    vzeroupper
    ret
#if !defined(__APPLE__)
    .size KERNEL, .-KERNEL
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",@progbits
#endif
