// The 6x16 single-precision GEMM micro-kernel for AVX2+FMA (Haswell and later), System V ABI.
//
// void lepton_sgemm_kernel_6x16_avx2(long k, const float *a, const float *b, float *c, long ldc,
//                                    long accumulate);
//
// a: k groups of 6 floats (a packed column panel of A), b: k groups of 16 floats (a packed row
// panel of B). Computes the 6x16 tile T = sum over p in 0..<k (ascending) of a[p]^T * b[p], one
// fused multiply-add per step and element, then C = T (accumulate == 0) or C = C + T, where row r
// of C starts at c + r*ldc floats. Twelve ymm registers hold the tile.
//
// It is written in assembly, not C intrinsics, so its speed does not depend on the optimisation
// level: SwiftPM compiles a command plugin's tool, and `swift run`, in debug (-O0), where
// intrinsics code spills every vector to the stack. Callers pick it only when the CPU reports
// AVX2 and FMA (see kernels.c).

#if defined(__x86_64__)

#if defined(__APPLE__)
#define KERNEL _lepton_sgemm_kernel_6x16_avx2
#else
#define KERNEL lepton_sgemm_kernel_6x16_avx2
#endif

    .text
    .globl KERNEL
#if !defined(__APPLE__)
    .type KERNEL, @function
#endif
    .p2align 5
KERNEL:
    vxorps %ymm4, %ymm4, %ymm4
    vxorps %ymm5, %ymm5, %ymm5
    vxorps %ymm6, %ymm6, %ymm6
    vxorps %ymm7, %ymm7, %ymm7
    vxorps %ymm8, %ymm8, %ymm8
    vxorps %ymm9, %ymm9, %ymm9
    vxorps %ymm10, %ymm10, %ymm10
    vxorps %ymm11, %ymm11, %ymm11
    vxorps %ymm12, %ymm12, %ymm12
    vxorps %ymm13, %ymm13, %ymm13
    vxorps %ymm14, %ymm14, %ymm14
    vxorps %ymm15, %ymm15, %ymm15
    test %rdi, %rdi
    jz 2f
    .p2align 4
1:
    vmovups (%rdx), %ymm0
    vmovups 32(%rdx), %ymm1
    vbroadcastss 0(%rsi), %ymm2
    vfmadd231ps %ymm0, %ymm2, %ymm4
    vfmadd231ps %ymm1, %ymm2, %ymm5
    vbroadcastss 4(%rsi), %ymm3
    vfmadd231ps %ymm0, %ymm3, %ymm6
    vfmadd231ps %ymm1, %ymm3, %ymm7
    vbroadcastss 8(%rsi), %ymm2
    vfmadd231ps %ymm0, %ymm2, %ymm8
    vfmadd231ps %ymm1, %ymm2, %ymm9
    vbroadcastss 12(%rsi), %ymm3
    vfmadd231ps %ymm0, %ymm3, %ymm10
    vfmadd231ps %ymm1, %ymm3, %ymm11
    vbroadcastss 16(%rsi), %ymm2
    vfmadd231ps %ymm0, %ymm2, %ymm12
    vfmadd231ps %ymm1, %ymm2, %ymm13
    vbroadcastss 20(%rsi), %ymm3
    vfmadd231ps %ymm0, %ymm3, %ymm14
    vfmadd231ps %ymm1, %ymm3, %ymm15
    add $24, %rsi
    add $64, %rdx
    dec %rdi
    jnz 1b
2:
    shl $2, %r8
    test %r9, %r9
    jz 3f
    vaddps (%rcx), %ymm4, %ymm4
    vaddps 32(%rcx), %ymm5, %ymm5
    vmovups %ymm4, (%rcx)
    vmovups %ymm5, 32(%rcx)
    add %r8, %rcx
    vaddps (%rcx), %ymm6, %ymm6
    vaddps 32(%rcx), %ymm7, %ymm7
    vmovups %ymm6, (%rcx)
    vmovups %ymm7, 32(%rcx)
    add %r8, %rcx
    vaddps (%rcx), %ymm8, %ymm8
    vaddps 32(%rcx), %ymm9, %ymm9
    vmovups %ymm8, (%rcx)
    vmovups %ymm9, 32(%rcx)
    add %r8, %rcx
    vaddps (%rcx), %ymm10, %ymm10
    vaddps 32(%rcx), %ymm11, %ymm11
    vmovups %ymm10, (%rcx)
    vmovups %ymm11, 32(%rcx)
    add %r8, %rcx
    vaddps (%rcx), %ymm12, %ymm12
    vaddps 32(%rcx), %ymm13, %ymm13
    vmovups %ymm12, (%rcx)
    vmovups %ymm13, 32(%rcx)
    add %r8, %rcx
    vaddps (%rcx), %ymm14, %ymm14
    vaddps 32(%rcx), %ymm15, %ymm15
    vmovups %ymm14, (%rcx)
    vmovups %ymm15, 32(%rcx)
    vzeroupper
    ret
3:
    vmovups %ymm4, (%rcx)
    vmovups %ymm5, 32(%rcx)
    add %r8, %rcx
    vmovups %ymm6, (%rcx)
    vmovups %ymm7, 32(%rcx)
    add %r8, %rcx
    vmovups %ymm8, (%rcx)
    vmovups %ymm9, 32(%rcx)
    add %r8, %rcx
    vmovups %ymm10, (%rcx)
    vmovups %ymm11, 32(%rcx)
    add %r8, %rcx
    vmovups %ymm12, (%rcx)
    vmovups %ymm13, 32(%rcx)
    add %r8, %rcx
    vmovups %ymm14, (%rcx)
    vmovups %ymm15, 32(%rcx)
    vzeroupper
    ret
#if !defined(__APPLE__)
    .size KERNEL, .-KERNEL
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",@progbits
#endif
