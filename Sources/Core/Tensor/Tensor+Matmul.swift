import CBLAS
import Foundation

/// Matrix products through OpenBLAS `cblas_sgemm`, on row-major pointers with leading dimensions.
///
/// Models multiply through `Matmul`, which adds the bf16 path; `BLASKernel` says which OpenBLAS
/// kernels run.
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

    /// How many threads OpenBLAS uses for each call (process-wide).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
