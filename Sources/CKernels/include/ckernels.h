#ifndef QSCOPE_CKERNELS_H
#define QSCOPE_CKERNELS_H
/*
 * bfloat16 matrix products for Newton–Schulz, with the numerics of PyTorch's CPU bf16 matmul:
 * bf16 operands, products accumulated in fp32, the epilogue alpha·acc + beta·D evaluated in fp32,
 * and the result rounded once to bf16 (round to nearest, ties to even). bf16 values travel as
 * uint16_t holding the upper half of the fp32 bit pattern.
 *
 * Two paths compute the same function up to the fp32 accumulation order:
 * - native: AVX512-BF16 (vdpbf16ps), used when ckernels_has_avx512bf16() is 1. The instruction
 *   treats denormal inputs and products as zero, and vcvtneps2bf16 flushes denormal results;
 *   Newton–Schulz never sees values that small (|x| < 1.2e-38).
 * - emulated: the operands widened to fp32 (exactly) and multiplied by OpenBLAS sgemm/ssyrk,
 *   then rounded in integer arithmetic. Any CPU; also forced by the tests.
 *
 * Matrices are row-major with leading dimensions in elements. Nothing here allocates or keeps
 * state: callers pass a workspace of ckernels_bf16_gemm_workspace_size bytes, so one call per
 * workspace at a time, and different workspaces may run on different threads.
 */
#include <stddef.h>
#include <stdint.h>

/* 1 when the CPU has AVX512-F/BW/VL/BF16 and the OS saves the ZMM and mask registers; 0 otherwise
 * (and on every non-x86-64 build). */
int ckernels_has_avx512bf16(void);

/* Which product ckernels_bf16_gemm computes from A (m×k unless stated) and b. */
typedef enum {
    /* C = A·B with B k×n. */
    CKERNELS_PRODUCT_AB = 0,
    /* C = A·Bᵀ with B n×k. */
    CKERNELS_PRODUCT_ABT = 1,
    /* C = A·Aᵀ (n = m, b unused): only the tiles touching the upper triangle are multiplied, the
     * rest is mirrored, so D must be symmetric. */
    CKERNELS_PRODUCT_AAT = 2,
    /* C = Aᵀ·A with A stored k×m (lda ≥ m; n = m, b unused); symmetric like A·Aᵀ. */
    CKERNELS_PRODUCT_ATA = 3,
} ckernels_product;

/* Bytes of scratch ckernels_bf16_gemm needs for an m×n result with inner dimension k (either
 * path). */
size_t ckernels_bf16_gemm_workspace_size(int m, int n, int k);

/* c (m×n, bf16) = round_bf16(alpha·A·op(B) + beta·D), accumulated in fp32. d (m×n) is read only
 * when beta != 0 and may be NULL otherwise; c must not overlap a, b or d. emulate != 0 forces the
 * fp32-BLAS path; otherwise the native path runs when the CPU has it. m, n, k ≥ 1. */
void ckernels_bf16_gemm(int emulate, ckernels_product product, int m, int n, int k, float alpha,
                        const uint16_t *a, int lda, const uint16_t *b, int ldb, float beta,
                        const uint16_t *d, int ldd, uint16_t *c, int ldc, void *workspace);

#endif
