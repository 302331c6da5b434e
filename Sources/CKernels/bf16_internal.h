#ifndef QSCOPE_CKERNELS_BF16_INTERNAL_H
#define QSCOPE_CKERNELS_BF16_INTERNAL_H
/* Shared between the dispatchers (bf16_gemm.c, bf16_sgemm.c) and the AVX512-BF16 kernels
 * (bf16_gemm_avx512.c, bf16_sgemm_avx512.c). */
#include "ckernels.h"

#include <string.h>

/* The native micro-tile: CKERNELS_MR rows × CKERNELS_NR columns (3 zmm of 16 fp32 lanes), 24
 * accumulators, enough independent dot products to hide vdpbf16ps latency at two per cycle. */
#define CKERNELS_MR 8
#define CKERNELS_NV 3
#define CKERNELS_NR (16 * CKERNELS_NV)
/* A·Aᵀ and Aᵀ·A read MR-row blocks out of NR-wide panels. */
_Static_assert(CKERNELS_NR % CKERNELS_MR == 0, "MR must divide NR");

/* Bytes of packed operands the native path needs (including 64-byte alignment slack). */
size_t ckernels_native_workspace_size(int m, int n, int k);

#if defined(__x86_64__)
/* The native path; only call it when ckernels_has_avx512bf16() is 1. */
void ckernels_native_gemm(ckernels_product product, int m, int n, int k, float alpha,
                          const uint16_t *a, int lda, const uint16_t *b, int ldb, float beta,
                          const uint16_t *d, int ldd, uint16_t *c, int ldc, void *workspace);
#endif

/* fp32 → bf16, round to nearest, ties to even (as torch's c10::BFloat16); NaN stays a quiet NaN. */
static inline uint16_t round_bf16(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x40u);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

/* Bytes of packed operand blocks the native fp32-in path needs (including alignment slack). */
size_t ckernels_native_sgemm_workspace_size(int m, int n, int k);

#if defined(__x86_64__)
/* The native path of ckernels_sgemm_bf16; only call it when ckernels_has_avx512bf16() is 1. */
void ckernels_native_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc, void *workspace);
#endif

#endif
