/* Packing fp32 operands into bf16 pairs for the dot-product kernels (bf16_sgemm_avx512.c,
 * bf16_sgemm_amx.c): panels of `width` lines in [pair][line] order, one 32-bit word per two
 * consecutive k of a line (low half the even k), panel p starting at out + p·stride words. This
 * is the operand layout of vdpbf16ps (B broadcast per pair) and of an AMX B tile (a tile row is
 * one pair of 16 lines). Lines past the operand's end up to the next 16 (or 8 for MR-wide
 * panels) are written as zero. */
#include "bf16_internal.h"

#if defined(__x86_64__)

#define TARGET CKERNELS_AVX512BF16
#define INLINE CKERNELS_INLINE

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
static INLINE uint32_t *slot(uint32_t *out, int width, size_t stride, int line, int p) {
    return out + (size_t)(line / width) * stride + (size_t)p * width + line % width;
}

/* Rounds rows [0, 8) of src (k contiguous; rows ≥ valid read as zero) over 32 k values (lanes
 * masked by m0, m1: the block's or the matrix's end) into pairs, then transposes: out[j] holds
 * pairs 2j and 2j+1 of the 8 rows. */
TARGET static INLINE void load_8x16(const float *src, int ld, int valid, __mmask16 m0, __mmask16 m1, __m512i out[8]) {
    __m512i rows[8];
    for (int r = 0; r < 8; r++) {
        const float *x = src + (size_t)r * ld;
        rows[r] = r < valid ? ckernels_to_pairs(_mm512_maskz_loadu_ps(m0, x), _mm512_maskz_loadu_ps(m1, x + 16))
                            : _mm512_setzero_si512();
    }
    transpose_8x16(rows, out);
}

/* Packs an operand whose k values are contiguous (A, or Bᵀ as stored for trans_b): `lines`
 * rows of src from k index 2·p0 on, `pairs` pairs, `k` the full depth (an odd k's last pair
 * gets a zero half). 16 lines × 16 pairs at a time, so each store fills a whole cache line of a
 * B panel (two 8-line halves) or two pairs of an A panel. Lines past `lines` up to the 8 or 16
 * the kernel reads are zero. */
TARGET static INLINE void pack_k_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                            size_t stride, uint32_t *out) {
    for (int l0 = 0; l0 < lines; l0 += 16) {
        int second = width > CKERNELS_MR || l0 + 8 < lines;  // A has no panel past its last row
        for (int q = 0; q < pairs; q += 16) {
            int floats = 2 * (pairs - q < 16 ? pairs - q : 16), left = k - 2 * (p0 + q);
            if (floats > left) floats = left;
            __mmask16 m0 = ckernels_first_lanes(floats), m1 = ckernels_first_lanes(floats - 16);
            const float *x = src + (size_t)l0 * ld + 2 * (size_t)(p0 + q);
            __m512i g0[8], g1[8];
            load_8x16(x, ld, lines - l0, m0, m1, g0);
            if (second) load_8x16(x + (size_t)8 * ld, ld, lines - l0 - 8, m0, m1, g1);
            for (int j = 0; j < 8 && q + 2 * j < pairs; j++) {
                int both = q + 2 * j + 1 < pairs;
                if (width == CKERNELS_MR) {
                    for (int h = 0; h < 1 + second; h++) {
                        uint32_t *dst = slot(out, width, stride, l0 + 8 * h, q + 2 * j);
                        if (both) _mm512_storeu_si512(dst, h ? g1[j] : g0[j]);
                        else _mm256_storeu_si256((__m256i *)dst, _mm512_castsi512_si256(h ? g1[j] : g0[j]));
                    }
                } else {
                    _mm512_storeu_si512(slot(out, width, stride, l0, q + 2 * j),
                                        _mm512_shuffle_i32x4(g0[j], g1[j], 0x44));
                    if (both)
                        _mm512_storeu_si512(slot(out, width, stride, l0, q + 2 * j + 1),
                                            _mm512_shuffle_i32x4(g0[j], g1[j], 0xEE));
                }
            }
        }
    }
}

/* Packs an operand whose lines are contiguous (B, or Aᵀ as stored for trans_a): row kk of src
 * holds k index kk for every line. Each pair interleaves rows 2p and 2p+1, 16 lines at a time. */
TARGET static INLINE void pack_lines_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs,
                                                int width, size_t stride, uint32_t *out) {
    for (int p = 0; p < pairs; p++) {
        int kk = 2 * (p0 + p);
        const float *lo = src + (size_t)kk * ld, *hi = kk + 1 < k ? lo + ld : NULL;
        for (int l0 = 0; l0 < lines; l0 += 16) {
            __mmask16 mask = ckernels_first_lanes(lines - l0);
            __m512 even = _mm512_maskz_loadu_ps(mask, lo + l0);
            __m512 odd = hi ? _mm512_maskz_loadu_ps(mask, hi + l0) : _mm512_setzero_ps();
            __m512i words = ckernels_interleave_pairs(ckernels_to_pairs(even, odd));
            if (width == CKERNELS_MR) {
                _mm256_storeu_si256((__m256i *)slot(out, width, stride, l0, p), _mm512_castsi512_si256(words));
                if (l0 + 8 < lines)
                    _mm256_storeu_si256((__m256i *)slot(out, width, stride, l0 + 8, p),
                                        _mm512_extracti64x4_epi64(words, 1));
            } else {
                _mm512_storeu_si512(slot(out, width, stride, l0, p), words);
            }
        }
    }
}

/* The packers with the kernels' panel widths as constants, so slot()'s divisions by the width
 * compile to shifts and the width tests fold away (a division per stored vector made packing
 * measurably slower on the small shapes). */
TARGET void ckernels_pack_k_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                       size_t stride, uint32_t *out) {
    switch (width) {
    case CKERNELS_MR: pack_k_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_MR, stride, out); break;
    case CKERNELS_NR: pack_k_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_NR, stride, out); break;
    case CKERNELS_AMX_NR: pack_k_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_AMX_NR, stride, out); break;
    default: pack_k_contiguous(src, ld, lines, k, p0, pairs, width, stride, out);
    }
}

TARGET void ckernels_pack_lines_contiguous(const float *src, int ld, int lines, int k, int p0, int pairs, int width,
                                           size_t stride, uint32_t *out) {
    switch (width) {
    case CKERNELS_MR: pack_lines_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_MR, stride, out); break;
    case CKERNELS_NR: pack_lines_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_NR, stride, out); break;
    case CKERNELS_AMX_NR: pack_lines_contiguous(src, ld, lines, k, p0, pairs, CKERNELS_AMX_NR, stride, out); break;
    default: pack_lines_contiguous(src, ld, lines, k, p0, pairs, width, stride, out);
    }
}

#endif
