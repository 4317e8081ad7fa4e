// One Adam step over 8·n floats with AVX, System V ABI.
//
// void lepton_adam_avx2(long n8, float *param, const float *grad, float *m, float *v,
//                       const float constants[8]);
//
// constants: beta1, beta2, 1-beta1, 1-beta2, epsilon, weight_decay, step (lr / bc1), sqrt(bc2).
// Per element, exactly the operations of kernels.c's adam_scalar, each correctly rounded and
// none fused, so both give identical bits:
//   g = g + wd·p; m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·(g·g); p = p - step·(m / (√v / √bc2 + ε))
// In assembly so that it is fast in debug builds too (intrinsics at -O0 were 10x slower than
// the scalar loop compiled with -O2).

#if defined(__x86_64__)

#if defined(__APPLE__)
#define KERNEL _lepton_adam_avx2
#else
#define KERNEL lepton_adam_avx2
#endif

    .text
    .globl KERNEL
#if !defined(__APPLE__)
    .type KERNEL, @function
#endif
    .p2align 5
KERNEL:
    vbroadcastss 0(%r9), %ymm8
    vbroadcastss 4(%r9), %ymm9
    vbroadcastss 8(%r9), %ymm10
    vbroadcastss 12(%r9), %ymm11
    vbroadcastss 16(%r9), %ymm12
    vbroadcastss 20(%r9), %ymm13
    vbroadcastss 24(%r9), %ymm14
    vbroadcastss 28(%r9), %ymm15
    test %rdi, %rdi
    jz 2f
    .p2align 4
1:
    vmovups (%rsi), %ymm0
    vmovups (%rdx), %ymm1
    vmulps %ymm13, %ymm0, %ymm2
    vaddps %ymm2, %ymm1, %ymm1
    vmulps (%rcx), %ymm8, %ymm2
    vmulps %ymm1, %ymm10, %ymm3
    vaddps %ymm3, %ymm2, %ymm2
    vmovups %ymm2, (%rcx)
    vmulps %ymm1, %ymm1, %ymm3
    vmulps %ymm3, %ymm11, %ymm3
    vmulps (%r8), %ymm9, %ymm4
    vaddps %ymm3, %ymm4, %ymm4
    vmovups %ymm4, (%r8)
    vsqrtps %ymm4, %ymm5
    vdivps %ymm15, %ymm5, %ymm5
    vaddps %ymm12, %ymm5, %ymm5
    vdivps %ymm5, %ymm2, %ymm6
    vmulps %ymm6, %ymm14, %ymm6
    vsubps %ymm6, %ymm0, %ymm0
    vmovups %ymm0, (%rsi)
    add $32, %rsi
    add $32, %rdx
    add $32, %rcx
    add $32, %r8
    dec %rdi
    jnz 1b
2:
    vzeroupper
    ret
#if !defined(__APPLE__)
    .size KERNEL, .-KERNEL
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",@progbits
#endif
