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

static int ceil_div(int x, int y) { return (x + y - 1) / y; }

/* Splits `total` units into the fewest blocks of at most `max` units and returns the common
 * block length, a multiple of `unit`. */
static int even_block(int total, int max, int unit) {
    int units = ceil_div(total, unit), per = max / unit;
    return ceil_div(units, ceil_div(units, per)) * unit;
}

typedef struct {
    int kc, mc, nc;  // block lengths in pairs, rows (multiple of MR) and columns (multiple of NR)
} blocking;

static blocking plan(int m, int n, int k) {
    blocking p = {even_block(ceil_div(k, 2), KC_MAX, 1), even_block(m, MC_MAX, MR), even_block(n, NC_MAX, NR)};
    return p;
}

/* Panels are [pair][line] blocks of `width` lines (8 for A, NR for B). Their stride is padded by
 * 64 bytes: unpadded, 256 pairs make it a multiple of 4 KB, and the panels a pack step writes
 * side by side would all fall into one L1 set. */
#define PANEL_PAD 16
static size_t panel_stride(int pairs, int width) { return (size_t)pairs * width + PANEL_PAD; }

size_t ckernels_native_sgemm_workspace_size(int m, int n, int k) {
    blocking p = plan(m, n, k);
    size_t b_words = (size_t)(p.nc / NR) * panel_stride(p.kc, NR), a_words = (size_t)(p.mc / MR) * panel_stride(p.kc, MR);
    return (b_words + a_words) * sizeof(uint32_t) + 64;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bf16,avx512vl,avx512bw")))
#define INLINE inline __attribute__((always_inline))

static __mmask16 first_lanes(int count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

/* Rounds 32 fp32 values (first's 16, then second's) to bf16, in order: word i holds values 2i
 * (low half) and 2i+1. For 32 consecutive k values of a row these are its 16 pairs. */
TARGET static INLINE __m512i to_pairs(__m512 first, __m512 second) {
    return (__m512i)_mm512_cvtne2ps_pbh(second, first);
}

/* Transposes 8 rows of 16 words: out[j] = [word 2j of rows 0..7 | word 2j+1 of rows 0..7], i.e.
 * pairs 2j and 2j+1 in [pair][row] order. Within 128-bit lanes first (32- then 64-bit unpacks
 * leave u[s + 4h] lane L = rows 4h..4h+3 of word 4L+s), then two rounds of lane shuffles. */
TARGET static INLINE void transpose_8x16(const __m512i r[8], __m512i out[8]) {
    __m512i u[8], lo[4], hi[4];
    for (int h = 0; h < 8; h += 4) {
        __m512i t0 = _mm512_unpacklo_epi32(r[h], r[h + 1]), t1 = _mm512_unpackhi_epi32(r[h], r[h + 1]);
        __m512i t2 = _mm512_unpacklo_epi32(r[h + 2], r[h + 3]), t3 = _mm512_unpackhi_epi32(r[h + 2], r[h + 3]);
        u[h] = _mm512_unpacklo_epi64(t0, t2);
        u[h + 1] = _mm512_unpackhi_epi64(t0, t2);
        u[h + 2] = _mm512_unpacklo_epi64(t1, t3);
        u[h + 3] = _mm512_unpackhi_epi64(t1, t3);
    }
    for (int s = 0; s < 4; s++) {
        lo[s] = _mm512_shuffle_i32x4(u[s], u[s + 4], _MM_SHUFFLE(1, 0, 1, 0));
        hi[s] = _mm512_shuffle_i32x4(u[s], u[s + 4], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int s = 0; s < 4; s += 2) {
        out[s / 2] = _mm512_shuffle_i32x4(lo[s], lo[s + 1], _MM_SHUFFLE(2, 0, 2, 0));
        out[2 + s / 2] = _mm512_shuffle_i32x4(lo[s], lo[s + 1], _MM_SHUFFLE(3, 1, 3, 1));
        out[4 + s / 2] = _mm512_shuffle_i32x4(hi[s], hi[s + 1], _MM_SHUFFLE(2, 0, 2, 0));
        out[6 + s / 2] = _mm512_shuffle_i32x4(hi[s], hi[s + 1], _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* Where the words of lines [line, line + 8) at pair p go. */
static uint32_t *slot(uint32_t *out, int width, int pairs, int line, int p) {
    return out + (size_t)(line / width) * panel_stride(pairs, width) + (size_t)p * width + line % width;
}

/* Rounds rows [0, 8) of src (k contiguous; rows ≥ valid read as zero) over 32 k values (lanes
 * masked by m0, m1: the block's or the matrix's end) into pairs, then transposes: out[j] holds
 * pairs 2j and 2j+1 of the 8 rows. */
TARGET static INLINE void load_8x16(const float *src, int ld, int valid, __mmask16 m0, __mmask16 m1, __m512i out[8]) {
    __m512i rows[8];
    for (int r = 0; r < 8; r++) {
        const float *x = src + (size_t)r * ld;
        rows[r] = r < valid ? to_pairs(_mm512_maskz_loadu_ps(m0, x), _mm512_maskz_loadu_ps(m1, x + 16))
                            : _mm512_setzero_si512();
    }
    transpose_8x16(rows, out);
}

/* Packs an operand whose k values are contiguous (A, or Bᵀ as stored for trans_b): `lines`
 * rows of src from k index 2·p0 on, `pairs` pairs, `k` the full depth (an odd k's last pair
 * gets a zero half). 16 lines × 16 pairs at a time, so each store fills a whole cache line of a
 * B panel (two 8-line halves) or two pairs of an A panel. Lines past `lines` up to the 8 or 16
 * the kernel reads are zero. */
TARGET static void pack_k_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                     uint32_t *out) {
    for (int l0 = 0; l0 < lines; l0 += 16) {
        int second = width > MR || l0 + 8 < lines;  // A has no panel past its last row
        for (int q = 0; q < pairs; q += 16) {
            int floats = 2 * (pairs - q < 16 ? pairs - q : 16), left = k - 2 * (p0 + q);
            if (floats > left) floats = left;
            __mmask16 m0 = first_lanes(floats), m1 = first_lanes(floats - 16);
            const float *x = src + (size_t)l0 * ld + 2 * (size_t)(p0 + q);
            __m512i g0[8], g1[8];
            load_8x16(x, ld, lines - l0, m0, m1, g0);
            if (second) load_8x16(x + (size_t)8 * ld, ld, lines - l0 - 8, m0, m1, g1);
            for (int j = 0; j < 8 && q + 2 * j < pairs; j++) {
                int both = q + 2 * j + 1 < pairs;
                if (width == MR) {
                    for (int h = 0; h < 1 + second; h++) {
                        uint32_t *dst = slot(out, width, pairs, l0 + 8 * h, q + 2 * j);
                        if (both) _mm512_storeu_si512(dst, h ? g1[j] : g0[j]);
                        else _mm256_storeu_si256((__m256i *)dst, _mm512_castsi512_si256(h ? g1[j] : g0[j]));
                    }
                } else {
                    _mm512_storeu_si512(slot(out, width, pairs, l0, q + 2 * j), _mm512_shuffle_i32x4(g0[j], g1[j], 0x44));
                    if (both)
                        _mm512_storeu_si512(slot(out, width, pairs, l0, q + 2 * j + 1),
                                            _mm512_shuffle_i32x4(g0[j], g1[j], 0xEE));
                }
            }
        }
    }
}

/* Packs an operand whose lines are contiguous (B, or Aᵀ as stored for trans_a): row kk of src
 * holds k index kk for every line. Each pair interleaves rows 2p and 2p+1, 16 lines at a time. */
TARGET static void pack_lines_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                         uint32_t *out) {
    // Word i of the result takes bf16 i of the first row (low half) and bf16 16+i of the second.
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int p = 0; p < pairs; p++) {
        int kk = 2 * (p0 + p);
        const float *lo = src + (size_t)kk * ld, *hi = kk + 1 < k ? lo + ld : NULL;
        for (int l0 = 0; l0 < lines; l0 += 16) {
            __mmask16 mask = first_lanes(lines - l0);
            __m512 even = _mm512_maskz_loadu_ps(mask, lo + l0);
            __m512 odd = hi ? _mm512_maskz_loadu_ps(mask, hi + l0) : _mm512_setzero_ps();
            __m512i words = _mm512_permutexvar_epi16(interleave, to_pairs(even, odd));
            if (width == MR) {
                _mm256_storeu_si256((__m256i *)slot(out, width, pairs, l0, p), _mm512_castsi512_si256(words));
                if (l0 + 8 < lines)
                    _mm256_storeu_si256((__m256i *)slot(out, width, pairs, l0 + 8, p), _mm512_extracti64x4_epi64(words, 1));
            } else {
                _mm512_storeu_si512(slot(out, width, pairs, l0, p), words);
            }
        }
    }
}

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
            __mmask16 mask = first_lanes(nr - 16 * v);
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
        int nr = nc - j0 < NR ? nc - j0 : NR, nv = ceil_div(nr, 16);
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int mr = mc - i0 < MR ? mc - i0 : MR;
            const uint32_t *ap = pa + i0 / MR * panel_stride(pairs, MR), *bp = pb + j0 / NR * panel_stride(pairs, NR);
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
    int kp = ceil_div(k, 2);
    uint32_t *pb = (uint32_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    uint32_t *pa = pb + bl.nc / NR * panel_stride(bl.kc, NR);  // B panels are multiples of 64 bytes
    for (int j0 = 0; j0 < n; j0 += bl.nc) {
        int nc = n - j0 < bl.nc ? n - j0 : bl.nc;
        for (int p0 = 0; p0 < kp; p0 += bl.kc) {
            int pairs = kp - p0 < bl.kc ? kp - p0 : bl.kc;
            if (trans_b) pack_k_contiguous(b + (size_t)j0 * ldb, ldb, nc, k, p0, pairs, NR, pb);
            else pack_lines_contiguous(b + j0, ldb, nc, k, p0, pairs, NR, pb);
            for (int i0 = 0; i0 < m; i0 += bl.mc) {
                int mc = m - i0 < bl.mc ? m - i0 : bl.mc;
                if (trans_a) pack_lines_contiguous(a + i0, lda, mc, k, p0, pairs, MR, pa);
                else pack_k_contiguous(a + (size_t)i0 * lda, lda, mc, k, p0, pairs, MR, pa);
                block(mc, nc, pairs, pa, pb, alpha, p0 == 0 ? beta : 1.0f, c + (size_t)i0 * ldc + j0, ldc);
            }
        }
    }
}
#endif
