/* The native fp32-in, fp32-out bf16 GEMM: fp32 operands rounded to bf16 while they are packed
 * into vdpbf16ps pairs, the 8×48 register tile of bf16_gemm_avx512.c (same pair layout: A as
 * [pair][row], B as [pair][column], one 32-bit word per two consecutive k), and GotoBLAS-style
 * cache blocking (Goto & van de Geijn, https://doi.org/10.1145/1356052.1356053), because the
 * training shapes (k and n up to 4·width, m = 1024 rows per shard) outgrow L2 when packed whole.
 *
 * Loops, outermost first: n in blocks of up to NC_MAX columns; k in blocks of up to KC_MAX pairs,
 * whose packed B block (≤ 1.2 MB) is reused by every row block; m in blocks of up to MC_MAX rows,
 * whose packed A block (≤ 262 KB) stays in L2; then 48-column panels, each reused by all 8-row
 * tiles of the A block. The first k block writes C = alpha·acc + beta·C, later ones add
 * alpha·acc. Blocks are split evenly (576 pairs → 3 × 192, not 256 + 256 + 64).
 *
 * vcvtne2ps2bf16 rounds to nearest even like round_bf16, but treats denormal inputs as zero (as
 * vdpbf16ps does with bf16 denormals) and returns a quiet NaN for a NaN; training values never get
 * that small (|x| < 1.2e-38). */
#include "bf16_internal.h"

#define MR CKERNELS_MR
#define NV CKERNELS_NV
#define NR CKERNELS_NR
/* Measured single-threaded on Zen 4 (1 MB L2, 32 KB L1d) over the training shapes: the 8×48
 * tile ran at 97% of vdpbf16ps peak on packed data (8×32 96%, 12×32 93%, 14×32 92%, 6×64 91%);
 * KC 144–384 and MC 128–512 came within noise of each other; NC 1152 beat 576 by 3% (A is then
 * packed once for every training shape, which outweighs B's block outgrowing L2). */
#define KC_MAX 256
#define MC_MAX 256
#define NC_MAX 1152

typedef struct {
    int kc, mc, nc;  // block lengths in pairs, rows (multiple of MR) and columns (multiple of NR)
} blocking;

static blocking plan(int m, int n, int k) {
    blocking p = {ckernels_even_block(ckernels_ceil_div(k, 2), KC_MAX, 1), ckernels_even_block(m, MC_MAX, MR),
                  ckernels_even_block(n, NC_MAX, NR)};
    return p;
}

size_t ckernels_native_sgemm_workspace_size(int m, int n, int k) {
    blocking p = plan(m, n, k);
    size_t b_words = (size_t)(p.nc / NR) * ckernels_panel_stride(p.kc, NR);
    size_t a_words = (size_t)(p.mc / MR) * ckernels_panel_stride(p.kc, MR);
    return (b_words + a_words) * sizeof(uint32_t) + 64;
}

#if defined(__x86_64__)
#define TARGET CKERNELS_AVX512BF16
#define INLINE CKERNELS_INLINE

/* One MR×(16·nv) tile over `pairs` pairs: acc = Σ_p A-pairs · B-pairs in fp32, then
 * C = alpha·acc + beta·C on the mr×nr valid part (C not read when beta == 0). nv is a constant
 * in each caller below, so the accumulators live in registers. */
TARGET static INLINE void tile(int nv, int pairs, const uint32_t *ap, const uint32_t *bp, int mr, int nr,
                               float alpha, float beta, float *c, int ldc) {
    __m512 acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m512bh bv[NV];
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) bv[v] = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * NR + 16 * v);
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)ap[(size_t)p * MR + r]);
#pragma GCC unroll 3
            for (int v = 0; v < nv; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], av, bv[v]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
        if (r >= mr) break;
#pragma GCC unroll 3
        for (int v = 0; v < nv; v++) {
            __mmask16 mask = ckernels_first_lanes(nr - 16 * v);
            float *cp = c + (size_t)r * ldc + 16 * v;
            __m512 x = _mm512_mul_ps(va, acc[r][v]);
            if (beta != 0) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, cp), x);
            _mm512_mask_storeu_ps(cp, mask, x);
        }
    }
}

TARGET static void tile1(int pairs, const uint32_t *ap, const uint32_t *bp, int mr, int nr, float alpha,
                         float beta, float *c, int ldc) {
    tile(1, pairs, ap, bp, mr, nr, alpha, beta, c, ldc);
}
TARGET static void tile2(int pairs, const uint32_t *ap, const uint32_t *bp, int mr, int nr, float alpha,
                         float beta, float *c, int ldc) {
    tile(2, pairs, ap, bp, mr, nr, alpha, beta, c, ldc);
}
TARGET static void tile3(int pairs, const uint32_t *ap, const uint32_t *bp, int mr, int nr, float alpha,
                         float beta, float *c, int ldc) {
    tile(3, pairs, ap, bp, mr, nr, alpha, beta, c, ldc);
}

/* All tiles of an mc×nc block from packed A and B blocks of `pairs` pairs. A column panel's
 * packed B (pairs × 192 bytes) is reused by every row tile, which streams its A from L2. The last
 * panel runs only the 16-column vectors it needs. */
TARGET static void block(int mc, int nc, int pairs, const uint32_t *pa, const uint32_t *pb, float alpha, float beta,
                         float *c, int ldc) {
    for (int j0 = 0; j0 < nc; j0 += NR) {
        int nr = nc - j0 < NR ? nc - j0 : NR, nv = ckernels_ceil_div(nr, 16);
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int mr = mc - i0 < MR ? mc - i0 : MR;
            const uint32_t *ap = pa + i0 / MR * ckernels_panel_stride(pairs, MR);
            const uint32_t *bp = pb + j0 / NR * ckernels_panel_stride(pairs, NR);
            float *ct = c + (size_t)i0 * ldc + j0;
            if (nv == 3) tile3(pairs, ap, bp, mr, nr, alpha, beta, ct, ldc);
            else if (nv == 2) tile2(pairs, ap, bp, mr, nr, alpha, beta, ct, ldc);
            else tile1(pairs, ap, bp, mr, nr, alpha, beta, ct, ldc);
        }
    }
}

TARGET void ckernels_native_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                                  const float *b, int ldb, float beta, float *c, int ldc, void *workspace) {
    blocking bl = plan(m, n, k);
    int kp = ckernels_ceil_div(k, 2);
    uint32_t *pb = (uint32_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    uint32_t *pa = pb + bl.nc / NR * ckernels_panel_stride(bl.kc, NR);  // B panels are multiples of 64 bytes
    for (int j0 = 0; j0 < n; j0 += bl.nc) {
        int nc = n - j0 < bl.nc ? n - j0 : bl.nc;
        for (int p0 = 0; p0 < kp; p0 += bl.kc) {
            int pairs = kp - p0 < bl.kc ? kp - p0 : bl.kc;
            size_t b_stride = ckernels_panel_stride(pairs, NR), a_stride = ckernels_panel_stride(pairs, MR);
            if (trans_b) ckernels_pack_k_contiguous(b + (size_t)j0 * ldb, ldb, nc, k, p0, pairs, NR, b_stride, pb);
            else ckernels_pack_lines_contiguous(b + j0, ldb, nc, k, p0, pairs, NR, b_stride, pb);
            for (int i0 = 0; i0 < m; i0 += bl.mc) {
                int mc = m - i0 < bl.mc ? m - i0 : bl.mc;
                if (trans_a) ckernels_pack_lines_contiguous(a + i0, lda, mc, k, p0, pairs, MR, a_stride, pa);
                else ckernels_pack_k_contiguous(a + (size_t)i0 * lda, lda, mc, k, p0, pairs, MR, a_stride, pa);
                block(mc, nc, pairs, pa, pb, alpha, p0 == 0 ? beta : 1.0f, c + (size_t)i0 * ldc + j0, ldc);
            }
        }
    }
}
#endif
