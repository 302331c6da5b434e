/* The native bf16 GEMM: operands packed into vdpbf16ps pairs, an 8×48 register-blocked
 * micro-kernel accumulating in fp32, and a fused alpha/beta epilogue rounding to bf16.
 *
 * vdpbf16ps multiplies 32 bf16 pairs per instruction: fp32 lane i gains a[2i]·b[2i] +
 * a[2i+1]·b[2i+1]. So both operands are packed as 32-bit words holding two consecutive k values:
 * A as [pair][row] (one word broadcast per row), B as [pair][column] (one zmm per 16 columns).
 * An odd k is padded with a zero pair half. Tiles at the edges compute the full 8×48 block on
 * zero-padded operands and store only the valid part with masks. No K blocking: the Newton–Schulz
 * shapes have k ≤ a few hundred, so a packed B panel stays in L2. */
#include "bf16_internal.h"

#include <string.h>

#define MR CKERNELS_MR
#define NV CKERNELS_NV
#define NR CKERNELS_NR

static int pair_count(int k) { return (k + 1) / 2; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

size_t ckernels_native_workspace_size(int m, int n, int k) {
    size_t kp = (size_t)pair_count(k);
    return (round_up((size_t)m, MR) + round_up((size_t)n, NR)) * kp * sizeof(uint32_t) + 128;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bf16,avx512vl,avx512bw")))

static uint32_t *align64(void *p) { return (uint32_t *)(((uintptr_t)p + 63) & ~(uintptr_t)63); }

/* Packs `rows` rows of src (each k long) into panels of `width` rows: panel[p][r] = the pair
 * (src[r][2p], src[r][2p+1]). Rows past `rows` are zero. Used for A, for Bᵀ and for A·Aᵀ. Pair
 * by pair across the rows, so the stores are sequential and each row's cache line serves 16
 * pairs. */
static void pack_rows(const uint16_t *src, int ld, int rows, int k, int width, uint32_t *out) {
    int kp = pair_count(k), even = k / 2;
    for (int r0 = 0; r0 < rows; r0 += width) {
        uint32_t *panel = out + (size_t)r0 * kp;
        int valid = rows - r0 < width ? rows - r0 : width;
        const uint16_t *base = src + (size_t)r0 * ld;
        for (int p = 0; p < even; p++) {
            uint32_t *dst = panel + (size_t)p * width;
            for (int r = 0; r < valid; r++) memcpy(dst + r, base + (size_t)r * ld + 2 * p, sizeof *dst);
            for (int r = valid; r < width; r++) dst[r] = 0;
        }
        if (k & 1) {
            uint32_t *dst = panel + (size_t)even * width;
            for (int r = 0; r < valid; r++) dst[r] = base[(size_t)r * ld + k - 1];
            for (int r = valid; r < width; r++) dst[r] = 0;
        }
    }
}

static __mmask16 column_mask(int valid) { return valid >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << valid) - 1); }

/* Packs B (k×n) into panels of NR columns: panel[p][j] = (B[2p][j], B[2p+1][j]), interleaving two
 * rows 16 columns at a time. Columns past n and the pad row of an odd k are zero. Used for B and
 * for Aᵀ·A. */
TARGET static void pack_columns(const uint16_t *b, int ld, int k, int n, uint32_t *out) {
    int kp = pair_count(k);
    for (int j0 = 0; j0 < n; j0 += NR) {
        uint32_t *panel = out + (size_t)j0 * kp;
        for (int p = 0; p < kp; p++) {
            const uint16_t *lo = b + (size_t)(2 * p) * ld + j0;
            const uint16_t *hi = 2 * p + 1 < k ? lo + ld : NULL;
            for (int v = 0; v < NV; v++) {
                __mmask16 mask = j0 + 16 * v < n ? column_mask(n - j0 - 16 * v) : 0;
                __m512i even = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, lo + 16 * v));
                __m512i odd = hi ? _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, hi + 16 * v))
                                 : _mm512_setzero_si512();
                _mm512_storeu_si512(panel + (size_t)p * NR + 16 * v, _mm512_or_si512(even, _mm512_slli_epi32(odd, 16)));
            }
        }
    }
}

/* One MR×NR tile: acc = Σ_p A-pairs · B-pairs in fp32, then c = bf16(alpha·acc + beta·d) for the
 * mr×nr valid part. The A pairs of step p are ap[p·a_stride + r] (a_stride MR for an A panel, NR
 * when A·Aᵀ reads its rows out of the B panels). */
TARGET static void tile(int kp, const uint32_t *ap, int a_stride, const uint32_t *bp, int mr, int nr, float alpha,
                        float beta, const uint16_t *d, int ldd, uint16_t *c, int ldc) {
    __m512 acc[MR][NV];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < kp; p++) {
        __m512bh bv[NV];
        for (int v = 0; v < NV; v++) bv[v] = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * NR + 16 * v);
        for (int r = 0; r < MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)ap[(size_t)p * a_stride + r]);
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], av, bv[v]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < mr; r++) {
        for (int v = 0; v < NV && 16 * v < nr; v++) {
            __mmask16 mask = column_mask(nr - 16 * v);
            __m512 x = _mm512_mul_ps(va, acc[r][v]);
            if (beta != 0) {
                __m256i dv = _mm256_maskz_loadu_epi16(mask, d + (size_t)r * ldd + 16 * v);
                __m512 df = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(dv), 16));
                x = _mm512_fmadd_ps(vb, df, x);
            }
            __m256i out = (__m256i)_mm512_cvtneps_pbh(x);
            _mm256_mask_storeu_epi16(c + (size_t)r * ldc + 16 * v, mask, out);
        }
    }
}

TARGET void ckernels_native_gemm(ckernels_product product, int m, int n, int k, float alpha,
                                 const uint16_t *a, int lda, const uint16_t *b, int ldb, float beta,
                                 const uint16_t *d, int ldd, uint16_t *c, int ldc, void *workspace) {
    int kp = pair_count(k), symmetric = product == CKERNELS_PRODUCT_AAT || product == CKERNELS_PRODUCT_ATA;
    uint32_t *pb = align64(workspace);
    uint32_t *pa = align64(pb + round_up((size_t)n, NR) * kp);
    switch (product) {
    case CKERNELS_PRODUCT_AB: pack_columns(b, ldb, k, n, pb); break;
    case CKERNELS_PRODUCT_ABT: pack_rows(b, ldb, n, k, NR, pb); break;
    case CKERNELS_PRODUCT_AAT: pack_rows(a, lda, n, k, NR, pb); break;
    case CKERNELS_PRODUCT_ATA: pack_columns(a, lda, k, n, pb); break;
    }
    // A·Aᵀ and Aᵀ·A find their left operand's rows in the B panels already (MR divides NR, so a
    // row block never straddles two panels); the other products pack A on its own.
    if (!symmetric) pack_rows(a, lda, m, k, MR, pa);
    for (int j0 = 0; j0 < n; j0 += NR) {
        for (int i0 = 0; i0 < m; i0 += MR) {
            // Below the diagonal every later row panel is too: the mirror fills them.
            if (symmetric && i0 >= j0 + NR) break;
            int mr = m - i0 < MR ? m - i0 : MR, nr = n - j0 < NR ? n - j0 : NR;
            const uint32_t *ap = symmetric ? pb + (size_t)(i0 - i0 % NR) * kp + i0 % NR : pa + (size_t)i0 * kp;
            tile(kp, ap, symmetric ? NR : MR, pb + (size_t)j0 * kp, mr, nr, alpha, beta,
                 beta != 0 ? d + (size_t)i0 * ldd + j0 : NULL, ldd, c + (size_t)i0 * ldc + j0, ldc);
        }
    }
    if (symmetric) {
        for (int i = 1; i < m; i++)
            for (int j = 0; j < i; j++) c[(size_t)i * ldc + j] = c[(size_t)j * ldc + i];
    }
}
#endif
