/* The AMX-BF16 fp32-in, fp32-out GEMM (Sapphire/Emerald Rapids and later): the numerics of
 * bf16_sgemm_avx512.c (operands rounded to bf16 while packed, fp32 accumulation, C = alpha·acc +
 * beta·C in fp32) on the tile unit, which multiplies a 16×32 bf16 A tile by a 32×16 B tile into a
 * 16×16 fp32 tile in one tdpbf16ps (Intel 64 and IA-32 Architectures Software Developer's Manual,
 * vol. 1 ch. 18 and vol. 2 "TDPBF16PS").
 *
 * Layouts (32-bit words, each two consecutive k of a line, the even k in the low half):
 * - A block: [row][pair], `row_stride` words per row. A tile is 16 rows × 16 pairs (64 bytes).
 * - B panels: [pair][column] of NR = 32 columns, as bf16_pack_avx512.c writes them: a B tile is 16
 *   pairs × 16 columns, the same memory the vdpbf16ps kernel reads.
 * Blocks hold a multiple of 16 pairs; pairs past k are zero in both operands, so they add 0.
 *
 * Micro-tile: 32×32 of C in tmm0–3 (2 A tiles in tmm4–5, 2 B tiles in tmm6–7), stored to a
 * 4 KB scratch and written to C by an AVX-512 epilogue. Cache blocking as the AVX-512 path
 * (Goto & van de Geijn, https://doi.org/10.1145/1356052.1356053).
 *
 * `software_tiles` computes the tile instructions in C (their pseudocode, same memory reads), so
 * the packing, blocking and epilogue are tested on CPUs without AMX; the hardware path differs
 * only in micro_amx. Unverified hardware is never trusted: ckernels_probe_sgemm_bf16 runs this
 * kernel in a child process first (bf16_probe.c). */
#include "bf16_internal.h"

#define AMX_PAIRS 16  // pairs per A-tile row, rows per B tile
#define MR 32
#define NR CKERNELS_AMX_NR
/* Chosen, not measured (no AMX machine was available): the AVX-512 path's blocks, which keep a
 * 32-row A panel (32 KB) and a B panel (32 KB) within Sapphire Rapids' 48 KB L1d and the A block
 * (256 KB) and the B block (1.2 MB) in its 2 MB L2. */
#define KC_MAX 256
#define MC_MAX 256
#define NC_MAX 1152

typedef struct {
    int kc, mc, nc;  // block lengths in pairs (multiple of 16), rows (multiple of MR), columns (multiple of NR)
} blocking;

static blocking plan(int m, int n, int k) {
    blocking p = {ckernels_even_block(ckernels_ceil_div(k, 2), KC_MAX, AMX_PAIRS), ckernels_even_block(m, MC_MAX, MR),
                  ckernels_even_block(n, NC_MAX, NR)};
    return p;
}

/* Words from one A row to the next: padded by 64 bytes against 4 KB aliasing, like the panels. */
static size_t row_stride(blocking p) { return (size_t)p.kc + CKERNELS_PANEL_PAD; }

size_t ckernels_amx_sgemm_workspace_size(int m, int n, int k) {
    blocking p = plan(m, n, k);
    size_t b_words = (size_t)(p.nc / NR) * ckernels_panel_stride(p.kc, NR), a_words = (size_t)p.mc * row_stride(p);
    return (b_words + a_words) * sizeof(uint32_t) + 64;
}

#if defined(__x86_64__)
#define TARGET CKERNELS_AVX512BF16
#define INLINE CKERNELS_INLINE
#define AMX __attribute__((target("amx-tile,amx-bf16")))

/* Transposes 16 rows of 16 words in place (r[i] word j ↔ r[j] word i): 32- and 64-bit unpacks
 * leave u[4g + s] lane L = rows 4g..4g+3 of word 4L+s, then a 4×4 transpose of 128-bit lanes. */
TARGET static INLINE void transpose_16x16(__m512i r[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_unpacklo_epi64(t[g], t[g + 2]);
        u[g + 1] = _mm512_unpackhi_epi64(t[g], t[g + 2]);
        u[g + 2] = _mm512_unpacklo_epi64(t[g + 1], t[g + 3]);
        u[g + 3] = _mm512_unpackhi_epi64(t[g + 1], t[g + 3]);
    }
    for (int s = 0; s < 4; s++) {
        __m512i v0 = _mm512_shuffle_i32x4(u[s], u[4 + s], _MM_SHUFFLE(2, 0, 2, 0));
        __m512i v1 = _mm512_shuffle_i32x4(u[s], u[4 + s], _MM_SHUFFLE(3, 1, 3, 1));
        __m512i v2 = _mm512_shuffle_i32x4(u[8 + s], u[12 + s], _MM_SHUFFLE(2, 0, 2, 0));
        __m512i v3 = _mm512_shuffle_i32x4(u[8 + s], u[12 + s], _MM_SHUFFLE(3, 1, 3, 1));
        r[s] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
        r[4 + s] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
        r[8 + s] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
        r[12 + s] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

/* Packs A with its k values contiguous (A as stored m×k): `rows` rows from pair p0, `pairs`
 * pairs padded with zeros to p16, and zero rows up to the next 16. */
TARGET static void pack_a_k_contiguous(const float *src, int ld, int rows, int k, int p0, int pairs, int p16,
                                       size_t stride, uint32_t *out) {
    int padded = ckernels_ceil_div(rows, 16) * 16;
    for (int r = 0; r < padded; r++) {
        for (int q = 0; q < p16; q += 16) {
            int floats = r < rows ? 2 * (pairs - q) : 0, left = k - 2 * (p0 + q);
            if (floats > left) floats = left;
            __m512i words = _mm512_setzero_si512();
            if (floats > 0) {
                const float *x = src + (size_t)r * ld + 2 * (size_t)(p0 + q);
                words = ckernels_to_pairs(_mm512_maskz_loadu_ps(ckernels_first_lanes(floats), x),
                                          _mm512_maskz_loadu_ps(ckernels_first_lanes(floats - 16), x + 16));
            }
            _mm512_storeu_si512(out + (size_t)r * stride + q, words);
        }
    }
}

/* Packs A with its rows contiguous (Aᵀ as stored, k×m): the pairs of 16 rows × 16 pairs are
 * formed as bf16_pack_avx512.c forms a B panel's, then transposed into [row][pair]. */
TARGET static void pack_a_lines_contiguous(const float *src, int ld, int rows, int k, int p0, int pairs, int p16,
                                           size_t stride, uint32_t *out) {
    for (int l0 = 0; l0 < rows; l0 += 16) {
        __mmask16 mask = ckernels_first_lanes(rows - l0);
        for (int q = 0; q < p16; q += 16) {
            __m512i w[16];
            for (int j = 0; j < 16; j++) {
                int kk = 2 * (p0 + q + j);
                if (q + j >= pairs) {
                    w[j] = _mm512_setzero_si512();
                    continue;
                }
                const float *lo = src + (size_t)kk * ld + l0;
                __m512 even = _mm512_maskz_loadu_ps(mask, lo);
                __m512 odd = kk + 1 < k ? _mm512_maskz_loadu_ps(mask, lo + ld) : _mm512_setzero_ps();
                w[j] = ckernels_interleave_pairs(ckernels_to_pairs(even, odd));
            }
            transpose_16x16(w);
            for (int r = 0; r < 16; r++) _mm512_storeu_si512(out + (size_t)(l0 + r) * stride + q, w[r]);
        }
    }
}

/* Tile configuration (palette 1): tiles 0–7 all 16 rows of 64 bytes. */
typedef struct __attribute__((aligned(64))) {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

AMX static void configure_tiles(void) {
    tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.colsb[t] = 64;
        config.rows[t] = 16;
    }
    _tile_loadconfig(&config);
}

AMX static void release_tiles(void) { _tile_release(); }

/* acc (32×32, row stride NR) = A rows [0, 16) (and [16, 32) when two_rows) times B panel columns
 * [0, 16) (and [16, 32) when two_cols) over steps·16 pairs; the rest of acc is left alone. */
AMX static void micro_amx(int steps, const uint32_t *a, size_t stride, const uint32_t *b, int two_rows,
                          int two_cols, float *acc) {
    const uint32_t *a1 = a + 16 * stride;
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    for (int s = 0; s < steps; s++) {
        const uint32_t *bs = b + (size_t)s * AMX_PAIRS * NR;
        _tile_loadd(4, a + AMX_PAIRS * s, stride * 4);
        _tile_loadd(6, bs, NR * 4);
        if (two_cols) _tile_loadd(7, bs + 16, NR * 4);
        if (two_rows) _tile_loadd(5, a1 + AMX_PAIRS * s, stride * 4);
        _tile_dpbf16ps(0, 4, 6);
        if (two_cols) _tile_dpbf16ps(1, 4, 7);
        if (two_rows) _tile_dpbf16ps(2, 5, 6);
        if (two_rows && two_cols) _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, acc, NR * 4);
    if (two_cols) _tile_stored(1, acc + 16, NR * 4);
    if (two_rows) _tile_stored(2, acc + 16 * NR, NR * 4);
    if (two_rows && two_cols) _tile_stored(3, acc + 16 * NR + 16, NR * 4);
}

/* The even (low half) and odd (high half) bf16 of a pair word. */
static float low_half(uint32_t word) { return ckernels_bf16_to_float((uint16_t)word); }
static float high_half(uint32_t word) { return ckernels_bf16_to_float((uint16_t)(word >> 16)); }

/* micro_amx with tdpbf16ps computed as its pseudocode states: per pair, the even product is
 * added, then the odd one, each rounded in fp32 (the products of two bf16 are exact). */
static void micro_software(int steps, const uint32_t *a, size_t stride, const uint32_t *b, int two_rows,
                           int two_cols, float *acc) {
    int rows = two_rows ? 32 : 16, cols = two_cols ? 32 : 16;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            float sum = 0;
            for (int p = 0; p < steps * AMX_PAIRS; p++) {
                uint32_t x = a[(size_t)i * stride + p], y = b[(size_t)p * NR + j];
                sum += low_half(x) * low_half(y);
                sum += high_half(x) * high_half(y);
            }
            acc[i * NR + j] = sum;
        }
    }
}

/* C (mr×nr of it) = alpha·acc + beta·C; C is not read when beta == 0. */
TARGET static void write_tile(const float *acc, int mr, int nr, float alpha, float beta, float *c, int ldc) {
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int r = 0; r < mr; r++) {
        for (int v = 0; 16 * v < nr; v++) {
            __mmask16 mask = ckernels_first_lanes(nr - 16 * v);
            float *cp = c + (size_t)r * ldc + 16 * v;
            __m512 x = _mm512_mul_ps(va, _mm512_loadu_ps(acc + r * NR + 16 * v));
            if (beta != 0) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, cp), x);
            _mm512_mask_storeu_ps(cp, mask, x);
        }
    }
}

TARGET void ckernels_amx_sgemm(int software_tiles, int trans_a, int trans_b, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                               void *workspace) {
    blocking bl = plan(m, n, k);
    int kp = ckernels_ceil_div(k, 2);
    size_t a_stride = row_stride(bl);
    uint32_t *pb = (uint32_t *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    uint32_t *pa = pb + (size_t)(bl.nc / NR) * ckernels_panel_stride(bl.kc, NR);
    float acc[MR * NR] __attribute__((aligned(64)));
    if (!software_tiles) configure_tiles();
    for (int j0 = 0; j0 < n; j0 += bl.nc) {
        int nc = n - j0 < bl.nc ? n - j0 : bl.nc, panels = ckernels_ceil_div(nc, NR);
        for (int p0 = 0; p0 < kp; p0 += bl.kc) {
            int pairs = kp - p0 < bl.kc ? kp - p0 : bl.kc, p16 = ckernels_ceil_div(pairs, AMX_PAIRS) * AMX_PAIRS;
            size_t b_stride = ckernels_panel_stride(p16, NR);
            if (trans_b) ckernels_pack_k_contiguous(b + (size_t)j0 * ldb, ldb, nc, k, p0, pairs, NR, b_stride, pb);
            else ckernels_pack_lines_contiguous(b + j0, ldb, nc, k, p0, pairs, NR, b_stride, pb);
            for (int panel = 0; panel < panels; panel++)
                memset(pb + panel * b_stride + (size_t)pairs * NR, 0, (size_t)(p16 - pairs) * NR * sizeof(uint32_t));
            for (int i0 = 0; i0 < m; i0 += bl.mc) {
                int mc = m - i0 < bl.mc ? m - i0 : bl.mc;
                if (trans_a) pack_a_lines_contiguous(a + i0, lda, mc, k, p0, pairs, p16, a_stride, pa);
                else pack_a_k_contiguous(a + (size_t)i0 * lda, lda, mc, k, p0, pairs, p16, a_stride, pa);
                for (int jj = 0; jj < nc; jj += NR) {
                    int nr = nc - jj < NR ? nc - jj : NR;
                    const uint32_t *bp = pb + (size_t)(jj / NR) * b_stride;
                    for (int ii = 0; ii < mc; ii += MR) {
                        int mr = mc - ii < MR ? mc - ii : MR;
                        const uint32_t *ap = pa + (size_t)ii * a_stride;
                        if (software_tiles) micro_software(p16 / AMX_PAIRS, ap, a_stride, bp, mr > 16, nr > 16, acc);
                        else micro_amx(p16 / AMX_PAIRS, ap, a_stride, bp, mr > 16, nr > 16, acc);
                        write_tile(acc, mr, nr, alpha, p0 == 0 ? beta : 1.0f, c + (size_t)(i0 + ii) * ldc + j0 + jj,
                                   ldc);
                    }
                }
            }
        }
    }
    if (!software_tiles) release_tiles();
}
#endif
