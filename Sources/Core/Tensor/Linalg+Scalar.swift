import CBLAS
import CLAPACKE

// The LinalgScalar backend for Float (s-routines) and Double (d-routines). Each hook is one call;
// the element kernels forward to the generic ones in Linalg.swift, which the compiler specialises
// here because the type is concrete.
//
// LAPACK integers: `qs_lapack_int` is Int32 in this LP64 build; an ILP64 LAPACK would fail to
// compile here rather than misread the iwork array.

@inline(__always) private func li(_ x: Int) -> qs_lapack_int { qs_lapack_int(x) }
@inline(__always) private func bi(_ x: Int) -> Int32 { Int32(x) }
@inline(__always) private func trans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }
@inline(__always) private func uplo(_ t: MatrixTriangle) -> CBLAS_UPLO { t == .upper ? CblasUpper : CblasLower }
@inline(__always) private func side(_ s: MatrixSide) -> CBLAS_SIDE { s == .left ? CblasLeft : CblasRight }
@inline(__always) private func diag(_ unit: Bool) -> CBLAS_DIAG { unit ? CblasUnit : CblasNonUnit }

extension Float: LinalgScalar {
    public static var _prefix: String { "s" }

    public static func _syevd(uplo: CChar, n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>,
                              work: UnsafeMutablePointer<Float>, lwork: Int,
                              iwork: UnsafeMutablePointer<Int32>, liwork: Int) -> Int {
        Int(LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, LapackChar.vectors, uplo, li(n), a, li(n), w,
                                work, li(lwork), iwork, li(liwork)))
    }
    public static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                              tau: UnsafeMutablePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int) -> Int {
        Int(LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, li(m), li(n), a, li(lda), tau, work, li(lwork)))
    }
    public static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Float>, lda: Int,
                              tau: UnsafePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int) -> Int {
        Int(LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, li(m), li(n), li(k), a, li(lda), tau, work, li(lwork)))
    }
    public static func _potrf(uplo: CChar, n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
        Int(LAPACKE_spotrf_work(LAPACK_COL_MAJOR, uplo, li(n), a, li(lda)))
    }
    public static func _potri(uplo: CChar, n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
        Int(LAPACKE_spotri_work(LAPACK_COL_MAJOR, uplo, li(n), a, li(lda)))
    }
    public static func _trtri(uplo: CChar, diag: CChar, n: Int, a: UnsafeMutablePointer<Float>, lda: Int) -> Int {
        Int(LAPACKE_strtri_work(LAPACK_COL_MAJOR, uplo, diag, li(n), a, li(lda)))
    }

    public static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, trans(transA), trans(transB), bi(m), bi(n), bi(k), alpha, a, bi(lda),
                    b, bi(ldb), beta, c, bi(ldc))
    }
    public static func _syrk(transpose: Bool, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, trans(transpose), bi(n), bi(k), alpha, a, bi(lda), beta, c, bi(ldc))
    }
    public static func _trsm(side s: MatrixSide, triangle: MatrixTriangle, transpose: Bool, unitDiagonal: Bool,
                             m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafeMutablePointer<Float>, ldb: Int) {
        cblas_strsm(CblasRowMajor, side(s), uplo(triangle), trans(transpose), diag(unitDiagonal),
                    bi(m), bi(n), alpha, a, bi(lda), b, bi(ldb))
    }
    public static func _gemv(transpose: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, trans(transpose), bi(m), bi(n), alpha, a, bi(lda), x, 1, beta, y, 1)
    }

    public static func _copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int,
                             dividingBy divisor: Float) {
        kernelCopy(src, to: dst, count: count, dividingBy: divisor)
    }
    public static func _transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int,
                                  into dst: UnsafeMutablePointer<Float>, dividingBy divisor: Float) {
        kernelTranspose(src, rows: rows, cols: cols, into: dst, dividingBy: divisor)
    }
    public static func _transposeInPlace(_ a: UnsafeMutablePointer<Float>, n: Int) { kernelTransposeInPlace(a, n: n) }
    public static func _symmetrize(_ a: UnsafeMutablePointer<Float>, n: Int, from triangle: MatrixTriangle) {
        kernelSymmetrize(a, n: n, from: triangle)
    }
    public static func _zeroStrict(_ a: UnsafeMutablePointer<Float>, n: Int, triangle: MatrixTriangle) {
        kernelZeroStrict(a, n: n, triangle: triangle)
    }
    public static func _scaleRows(_ a: UnsafeMutablePointer<Float>, rows: Int, cols: Int, by s: UnsafePointer<Float>) {
        kernelScaleRows(a, rows: rows, cols: cols, by: s)
    }
}

extension Double: LinalgScalar {
    public static var _prefix: String { "d" }

    public static func _syevd(uplo: CChar, n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>,
                              work: UnsafeMutablePointer<Double>, lwork: Int,
                              iwork: UnsafeMutablePointer<Int32>, liwork: Int) -> Int {
        Int(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, LapackChar.vectors, uplo, li(n), a, li(n), w,
                                work, li(lwork), iwork, li(liwork)))
    }
    public static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                              tau: UnsafeMutablePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int) -> Int {
        Int(LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, li(m), li(n), a, li(lda), tau, work, li(lwork)))
    }
    public static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                              tau: UnsafePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int) -> Int {
        Int(LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, li(m), li(n), li(k), a, li(lda), tau, work, li(lwork)))
    }
    public static func _potrf(uplo: CChar, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        Int(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, uplo, li(n), a, li(lda)))
    }
    public static func _potri(uplo: CChar, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        Int(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, uplo, li(n), a, li(lda)))
    }
    public static func _trtri(uplo: CChar, diag: CChar, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        Int(LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, uplo, diag, li(n), a, li(lda)))
    }

    public static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                             a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                             beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, trans(transA), trans(transB), bi(m), bi(n), bi(k), alpha, a, bi(lda),
                    b, bi(ldb), beta, c, bi(ldc))
    }
    public static func _syrk(transpose: Bool, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                             beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, trans(transpose), bi(n), bi(k), alpha, a, bi(lda), beta, c, bi(ldc))
    }
    public static func _trsm(side s: MatrixSide, triangle: MatrixTriangle, transpose: Bool, unitDiagonal: Bool,
                             m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                             b: UnsafeMutablePointer<Double>, ldb: Int) {
        cblas_dtrsm(CblasRowMajor, side(s), uplo(triangle), trans(transpose), diag(unitDiagonal),
                    bi(m), bi(n), alpha, a, bi(lda), b, bi(ldb))
    }
    public static func _gemv(transpose: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                             x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, trans(transpose), bi(m), bi(n), alpha, a, bi(lda), x, 1, beta, y, 1)
    }

    public static func _copy(_ src: UnsafePointer<Double>, to dst: UnsafeMutablePointer<Double>, count: Int,
                             dividingBy divisor: Double) {
        kernelCopy(src, to: dst, count: count, dividingBy: divisor)
    }
    public static func _transpose(_ src: UnsafePointer<Double>, rows: Int, cols: Int,
                                  into dst: UnsafeMutablePointer<Double>, dividingBy divisor: Double) {
        kernelTranspose(src, rows: rows, cols: cols, into: dst, dividingBy: divisor)
    }
    public static func _transposeInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) { kernelTransposeInPlace(a, n: n) }
    public static func _symmetrize(_ a: UnsafeMutablePointer<Double>, n: Int, from triangle: MatrixTriangle) {
        kernelSymmetrize(a, n: n, from: triangle)
    }
    public static func _zeroStrict(_ a: UnsafeMutablePointer<Double>, n: Int, triangle: MatrixTriangle) {
        kernelZeroStrict(a, n: n, triangle: triangle)
    }
    public static func _scaleRows(_ a: UnsafeMutablePointer<Double>, rows: Int, cols: Int, by s: UnsafePointer<Double>) {
        kernelScaleRows(a, rows: rows, cols: cols, by: s)
    }
}
