#ifndef QSCOPE_CKERNELS_BF16_INTERNAL_H
#define QSCOPE_CKERNELS_BF16_INTERNAL_H
/* Shared between the dispatcher (bf16_gemm.c) and the AVX512-BF16 kernel (bf16_gemm_avx512.c). */
#include "ckernels.h"

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

#endif
