#ifndef QSCOPE_CKERNELS_BF16_INTERNAL_H
#define QSCOPE_CKERNELS_BF16_INTERNAL_H
/* Shared between the dispatchers (bf16_gemm.c, bf16_sgemm.c), the AVX512-BF16 kernels
 * (bf16_gemm_avx512.c, bf16_sgemm_avx512.c), their packing (bf16_pack_avx512.c) and the AMX-BF16
 * kernel (bf16_sgemm_amx.c). */
#include "ckernels.h"

#include <string.h>

/* The native micro-tile: CKERNELS_MR rows × CKERNELS_NR columns (3 zmm of 16 fp32 lanes), 24
 * accumulators, enough independent dot products to hide vdpbf16ps latency at two per cycle. */
#define CKERNELS_MR 8
#define CKERNELS_NV 3
#define CKERNELS_NR (16 * CKERNELS_NV)
/* The AMX kernel's B panels: two 16-column tiles. */
#define CKERNELS_AMX_NR 32
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

/* The fp32 a bf16 stands for (exact: its bits are the upper half of the fp32 pattern). */
static inline float ckernels_bf16_to_float(uint16_t bf16) {
    uint32_t bits = (uint32_t)bf16 << 16;
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static inline int ckernels_ceil_div(int x, int y) { return (x + y - 1) / y; }

/* Splits `total` units into the fewest blocks of at most `max` units and returns the common
 * block length, a multiple of `unit` (576 pairs in blocks of ≤ 256 → 3 × 192, not 256 + 256 + 64). */
static inline int ckernels_even_block(int total, int max, int unit) {
    int units = ckernels_ceil_div(total, unit), per = max / unit;
    return ckernels_ceil_div(units, ckernels_ceil_div(units, per)) * unit;
}

/* Panels are [pair][line] blocks of `width` lines. Their stride is padded by 64 bytes:
 * unpadded, 256 pairs make it a multiple of 4 KB, and the panels a pack step writes side by side
 * would all fall into one L1 set. */
#define CKERNELS_PANEL_PAD 16
static inline size_t ckernels_panel_stride(int pairs, int width) { return (size_t)pairs * width + CKERNELS_PANEL_PAD; }

/* Bytes of packed operand blocks the native fp32-in path needs (including alignment slack). */
size_t ckernels_native_sgemm_workspace_size(int m, int n, int k);

#if defined(__x86_64__)
/* The native path of ckernels_sgemm_bf16; only call it when ckernels_has_avx512bf16() is 1. */
void ckernels_native_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc, void *workspace);
#endif

/* ckernels_sgemm_bf16 without the check that this process can run `kernel`: what the probe runs,
 * so that a kernel the CPU lacks shows as the illegal instruction it is. */
void ckernels_sgemm_bf16_unchecked(ckernels_bf16_kernel kernel, int trans_a, int trans_b, int m, int n, int k,
                                   float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c,
                                   int ldc, void *workspace);

/* The arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) system call itself (0 when granted),
 * without ckernels_request_amx's caching: async-signal-safe, for a freshly forked child. */
int ckernels_amx_permission(void);

/* Bytes of packed operand blocks the AMX path needs (including alignment slack). */
size_t ckernels_amx_sgemm_workspace_size(int m, int n, int k);

#if defined(__x86_64__)
#include <immintrin.h>

#define CKERNELS_AVX512BF16 __attribute__((target("avx512f,avx512bf16,avx512vl,avx512bw")))
#define CKERNELS_INLINE inline __attribute__((always_inline))

/* A mask of the first `count` of 16 lanes (none for count ≤ 0). */
static inline __mmask16 ckernels_first_lanes(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* Rounds 32 fp32 values (first's 16, then second's) to bf16, in order: word i holds values 2i
 * (low half) and 2i+1. For 32 consecutive k values of a row these are its 16 pairs. */
CKERNELS_AVX512BF16 static CKERNELS_INLINE __m512i ckernels_to_pairs(__m512 first, __m512 second) {
    return (__m512i)_mm512_cvtne2ps_pbh(second, first);
}

/* Reorders ckernels_to_pairs(even, odd), where even and odd hold k = 2p and 2p + 1 of 16 lines,
 * into one word per line: word i = line i's pair p (even k in the low half). */
CKERNELS_AVX512BF16 static CKERNELS_INLINE __m512i ckernels_interleave_pairs(__m512i rounded) {
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                                           21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, rounded);
}

/* Packs `pairs` pairs from pair p0 on of an operand whose k values are contiguous (A, or Bᵀ as
 * stored): `lines` rows of src, `k` the full depth (an odd k's last pair gets a zero half), into
 * [pair][line] panels of `width` lines (CKERNELS_MR or a multiple of 16), `stride` words apart. */
void ckernels_pack_k_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                size_t stride, uint32_t *out);
/* The same from an operand whose lines are contiguous (B, or Aᵀ as stored): row kk of src holds
 * k index kk of every line. */
void ckernels_pack_lines_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                    size_t stride, uint32_t *out);

/* The AMX path; only call it when ckernels_cpu_features() has CKERNELS_CPU_AMX_BF16 and
 * ckernels_request_amx() returned 1, or with software_tiles != 0 (any AVX512-BF16 CPU). */
void ckernels_amx_sgemm(int software_tiles, int trans_a, int trans_b, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                        void *workspace);
#endif

#endif
