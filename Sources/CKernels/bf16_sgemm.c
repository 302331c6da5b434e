/* The fp32-in, fp32-out bf16 GEMM entry point (PyTorch bf16 autocast numerics): workspace
 * sizing, the portable emulation, and the dispatch to the AVX512-BF16 and AMX paths. */
#include "bf16_internal.h"

#include <cblas.h>

/* op(A) and op(B) as stored, rounded: m·k + k·n floats. */
static size_t emulated_workspace_size(int m, int n, int k) {
    return ((size_t)m * k + (size_t)k * n) * sizeof(float);
}

size_t ckernels_sgemm_bf16_workspace_size(int m, int n, int k) {
    size_t native = ckernels_native_sgemm_workspace_size(m, n, k), emulated = emulated_workspace_size(m, n, k);
    size_t amx = ckernels_amx_sgemm_workspace_size(m, n, k), most = native > emulated ? native : emulated;
    return amx > most ? amx : most;
}

int ckernels_bf16_kernel_available(ckernels_bf16_kernel kernel) {
    switch (kernel) {
    case CKERNELS_BF16_EMULATED: return 1;
    case CKERNELS_BF16_AVX512:
    case CKERNELS_BF16_AMX_SOFTWARE: return ckernels_has_avx512bf16();
    // The AMX path packs with AVX512-BF16 instructions; every AMX-BF16 CPU has them.
    case CKERNELS_BF16_AMX: return ckernels_has_avx512bf16() && ckernels_request_amx();
    }
    return 0;
}

/* Copies a rows×cols matrix into a dense one, each value rounded to the nearest bf16 (kept in the
 * upper half of an fp32). round_bf16 keeps denormals, unlike the native path's conversion. */
static void round_copy(const float *src, int ld, int rows, int cols, float *dst) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++)
            dst[(size_t)i * cols + j] = ckernels_bf16_to_float(round_bf16(src[(size_t)i * ld + j]));
    }
}

/* bf16 values are exact in fp32 and so are their products (8 × 8 significant bits), so sgemm
 * sees the same terms as vdpbf16ps; only the fp32 summation order differs. The copies keep the
 * stored orientation, so sgemm does the transposing. OpenBLAS scales C by beta first and writes
 * zeros for beta == 0 without reading C, as the BLAS reference requires. */
static void emulated_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc, float *workspace) {
    float *af = workspace, *bf = af + (size_t)m * k;
    int a_cols = trans_a ? m : k, b_cols = trans_b ? k : n;
    round_copy(a, lda, trans_a ? k : m, a_cols, af);
    round_copy(b, ldb, trans_b ? n : k, b_cols, bf);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, af, a_cols, bf, b_cols, beta, c, ldc);
}

void ckernels_sgemm_bf16_unchecked(ckernels_bf16_kernel kernel, int trans_a, int trans_b, int m, int n, int k,
                                   float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c,
                                   int ldc, void *workspace) {
    switch (kernel) {
#if defined(__x86_64__)
    case CKERNELS_BF16_AVX512:
        ckernels_native_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
        return;
    case CKERNELS_BF16_AMX:
    case CKERNELS_BF16_AMX_SOFTWARE:
        ckernels_amx_sgemm(kernel == CKERNELS_BF16_AMX_SOFTWARE, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
                           c, ldc, workspace);
        return;
#endif
    default:  // off x86-64 the emulation is the only kernel
        emulated_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, (float *)workspace);
    }
}

void ckernels_sgemm_bf16(ckernels_bf16_kernel kernel, int trans_a, int trans_b, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc,
                         void *workspace) {
    if (!ckernels_bf16_kernel_available(kernel)) kernel = CKERNELS_BF16_EMULATED;
    ckernels_sgemm_bf16_unchecked(kernel, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
}
