import CBLAS
import Foundation

/// Matrix products through OpenBLAS `cblas_sgemm`, on row-major pointers with leading dimensions.
///
/// Linear layers keep PyTorch's weight layout (out, in), so the three products a layer needs are
/// `C = A·Bᵀ` (forward), `C = A·B` (input gradient) and `C = Aᵀ·B` (weight gradient).
public enum BLAS {
    /// Every core to BLAS: for analysis of one model at a time (training runs use one thread
    /// each and parallelise over data shards instead, see `RunSession`).
    public static func useEveryCore() {
        threads = ProcessInfo.processInfo.activeProcessorCount
    }

    /// C (m, n) = alpha · op(A) · op(B) + beta · C, where op(A) is (m, k) and op(B) is (k, n).
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// out (m, n) = x (m, k) · wᵀ, with w (n, k): a linear layer's forward pass.
    @inline(__always)
    public static func matmulABt(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                 _ out: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
                                 accumulate: Bool = false) {
        gemm(transA: false, transB: true, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }

    /// out (m, n) = a (m, k) · b (k, n).
    @inline(__always)
    public static func matmulAB(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                _ out: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
                                accumulate: Bool = false) {
        gemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }

    /// out (m, n) = aᵀ · b, with a (k, m) and b (k, n): a weight gradient summed over k rows.
    @inline(__always)
    public static func matmulAtB(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                 _ out: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
                                 accumulate: Bool = false) {
        gemm(transA: true, transB: false, m: m, n: n, k: k, a: a, lda: m, b: b, ldb: n,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }

    /// How many threads OpenBLAS uses for each call (process-wide).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
