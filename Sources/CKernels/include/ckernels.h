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

/* CPU features this process may use (CPUID and the OS's XCR0 agree), as CKERNELS_CPU_* bits;
 * 0 off x86-64. */
enum {
    CKERNELS_CPU_SSE3 = 1 << 0,
    CKERNELS_CPU_AVX = 1 << 1,
    /* AVX2 and FMA3 together (Haswell and later, Zen). */
    CKERNELS_CPU_AVX2_FMA = 1 << 2,
    /* AVX-512 F, CD, DQ, BW and VL (Skylake-SP and later, Zen 4). */
    CKERNELS_CPU_AVX512 = 1 << 3,
    CKERNELS_CPU_AVX512_BF16 = 1 << 4,
    /* AMX-TILE and AMX-BF16 with the tile state enabled by the OS (Sapphire Rapids and later). */
    CKERNELS_CPU_AMX_BF16 = 1 << 5,
};
unsigned ckernels_cpu_features(void);

/* The CPUID display family and model (e.g. 6 and 207 for Emerald Rapids); 0 when unknown. */
int ckernels_cpu_signature(int *family, int *model);

/* Asks Linux for AMX tile state for this process (once; later calls return the first answer);
 * 1 when granted. */
int ckernels_request_amx(void);

/* Sets (on != 0) or clears FTZ and DAZ in this thread's MXCSR: denormal floats read and
 * written as zero, as torch.set_flush_denormal(True) does. */
void ckernels_flush_denormals(int on);
/* 1 when this thread flushes denormals (FTZ and DAZ both set). */
int ckernels_flushing_denormals(void);

/*
 * Mixed-precision training products with the numerics of PyTorch's CPU bf16 autocast: fp32
 * operands rounded to bf16 (round to nearest, ties to even), the products accumulated in fp32,
 * and C = alpha·acc + beta·C written in fp32 (no rounding of the result). Kernels:
 */
typedef enum {
    /* op(A) and op(B) rounded into fp32 copies ((m·k + k·n)·4 bytes, which is what sizes the
     * workspace for any but tiny shapes), then OpenBLAS sgemm: any CPU. */
    CKERNELS_BF16_EMULATED = 0,
    /* vdpbf16ps register tiles, the operands rounded while packed (vcvtne2ps2bf16, which, like
     * vdpbf16ps, treats denormals as zero; the emulation keeps them), in cache blocks of at most
     * ~1.5 MB whatever the shape: CPUs with AVX512-BF16. */
    CKERNELS_BF16_AVX512 = 1,
    /* AMX-BF16 tiles (tdpbf16ps), same packing and rounding: CPUs with AMX-BF16, once
     * ckernels_request_amx() returned 1. */
    CKERNELS_BF16_AMX = 2,
    /* The AMX kernel with its tile instructions computed in C: tests its packing and blocking on
     * any AVX512-BF16 CPU. Slow. */
    CKERNELS_BF16_AMX_SOFTWARE = 3,
} ckernels_bf16_kernel;

/* 1 when this process can run `kernel` (CPU features, and for AMX the OS's permission). */
int ckernels_bf16_kernel_available(ckernels_bf16_kernel kernel);

/* Bytes of scratch ckernels_sgemm_bf16 needs (any kernel). */
size_t ckernels_sgemm_bf16_workspace_size(int m, int n, int k);

/* C (m×n, fp32, row-major) = alpha·bf16(op(A))·bf16(op(B)) + beta·C, products accumulated in fp32.
 * op(A) is m×k: A is stored m×k (lda ≥ k) or, when trans_a, k×m (lda ≥ m).
 * op(B) is k×n: B is stored k×n (ldb ≥ n) or, when trans_b, n×k (ldb ≥ k).
 * A kernel this process cannot run (ckernels_bf16_kernel_available) falls back to the emulation.
 * The kernels agree up to the fp32 summation order (and denormal operands). beta == 0 does not
 * read C (it may hold NaN). c must not overlap a or b. m, n, k ≥ 1. Single-threaded; one call per
 * workspace at a time. */
void ckernels_sgemm_bf16(ckernels_bf16_kernel kernel, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                         void *workspace);

/* Runs `kernel` on a set of products (every transpose form, edge sizes, several cache blocks,
 * beta 0 and 1) in a child process, whether or not ckernels_bf16_kernel_available says it can run, and compares each entry with an exact sum of the rounded
 * operands' products, within the fp32 summation bound (k + 2)·2⁻²⁴·Σ|a||b|. A kernel that kills
 * its process (an illegal instruction, a tile fault) therefore cannot take the caller with it.
 * Returns 0 when every entry passed, 1 when one did not, 128 + the signal when the child died
 * of one, -1 when no child could run; *worst (if not NULL) gets the worst error as a fraction
 * of the bound when the child finished. Call before starting threads that hold locks the child
 * could need: the child only computes and writes to a pipe. */
int ckernels_probe_sgemm_bf16(ckernels_bf16_kernel kernel, double *worst);

#endif
