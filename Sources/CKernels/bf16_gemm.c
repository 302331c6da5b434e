/* The bf16 GEMM entry point (bf16 in, bf16 out): workspace sizing, the portable emulation, dispatch. */
#include "bf16_internal.h"

#include <cblas.h>
#include <string.h>

int ckernels_has_avx512bf16(void) { return (ckernels_cpu_features() & CKERNELS_CPU_AVX512_BF16) != 0; }

static size_t emulated_workspace_size(int m, int n, int k) {
    return ((size_t)m * k + (size_t)k * n + (size_t)m * n) * sizeof(float);
}

size_t ckernels_bf16_gemm_workspace_size(int m, int n, int k) {
    size_t native = ckernels_native_workspace_size(m, n, k), emulated = emulated_workspace_size(m, n, k);
    return native > emulated ? native : emulated;
}

/* bf16 → fp32, exactly. */
static void widen(const uint16_t *src, int ld, int rows, int cols, float *dst) {
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) dst[(size_t)i * cols + j] = ckernels_bf16_to_float(src[(size_t)i * ld + j]);
    }
}

/* The bf16 operands are exact in fp32 and so are their products (8 × 8 significant bits), so
 * sgemm sees the same terms as vdpbf16ps; only the fp32 summation order differs. */
static void emulated_gemm(ckernels_product product, int m, int n, int k, float alpha, const uint16_t *a, int lda,
                          const uint16_t *b, int ldb, float beta, const uint16_t *d, int ldd, uint16_t *c, int ldc,
                          float *workspace) {
    float *af = workspace, *bf = af + (size_t)m * k, *cf = bf + (size_t)k * n;
    int symmetric = product == CKERNELS_PRODUCT_AAT || product == CKERNELS_PRODUCT_ATA;
    if (product == CKERNELS_PRODUCT_ATA) widen(a, lda, k, m, af);
    else widen(a, lda, m, k, af);
    if (beta != 0) widen(d, ldd, m, n, cf);
    switch (product) {
    case CKERNELS_PRODUCT_AB:
        widen(b, ldb, k, n, bf);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, alpha, af, k, bf, n, beta, cf, n);
        break;
    case CKERNELS_PRODUCT_ABT:
        widen(b, ldb, n, k, bf);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, af, k, bf, k, beta, cf, n);
        break;
    case CKERNELS_PRODUCT_AAT:
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, k, alpha, af, k, beta, cf, n);
        break;
    case CKERNELS_PRODUCT_ATA:
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, m, k, alpha, af, m, beta, cf, n);
        break;
    }
    if (symmetric) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < i; j++) cf[(size_t)i * n + j] = cf[(size_t)j * n + i];
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = round_bf16(cf[(size_t)i * n + j]);
}

void ckernels_bf16_gemm(int emulate, ckernels_product product, int m, int n, int k, float alpha,
                        const uint16_t *a, int lda, const uint16_t *b, int ldb, float beta,
                        const uint16_t *d, int ldd, uint16_t *c, int ldc, void *workspace) {
#if defined(__x86_64__)
    if (!emulate && ckernels_has_avx512bf16()) {
        ckernels_native_gemm(product, m, n, k, alpha, a, lda, b, ldb, beta, d, ldd, c, ldc, workspace);
        return;
    }
#else
    (void)emulate;  // off x86-64 the emulation is the only path
#endif
    emulated_gemm(product, m, n, k, alpha, a, lda, b, ldb, beta, d, ldd, c, ldc, (float *)workspace);
}
