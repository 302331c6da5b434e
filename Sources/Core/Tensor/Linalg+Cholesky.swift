/// Cholesky factorisation and the inverses built on it (LAPACK `?potrf`, `?potri`), in place on
/// row-major n×n buffers. None of these allocate.
///
/// Layout: a row-major symmetric matrix is its own column-major view, and a row-major triangle is
/// the opposite column-major triangle, so each call passes the flipped `uplo` to LAPACK.
public enum Cholesky {
    /// Factors the symmetric positive-definite `a` (n×n, reading only `triangle`) in place:
    /// `.lower` gives L with A = L·Lᵀ (`torch.linalg.cholesky`), `.upper` gives U with A = Uᵀ·U.
    /// The other strict triangle is zeroed, so the buffer holds exactly the factor.
    ///
    /// Throws `.notPositiveDefinite` (with the order of the failing leading minor), e.g. for a
    /// GPTQ Hessian whose damping is too small, and `.nonFiniteInput` for NaN/Inf.
    public static func factor<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, n: Int,
                                               triangle: MatrixTriangle) throws(LinalgError) {
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteInput(routine: T._prefix + "potrf") }
        try potrf(a, n: n, triangle: triangle)
        T._zeroStrict(a, n: n, triangle: triangle == .lower ? .upper : .lower)
    }

    /// Replaces the symmetric positive-definite `a` (n×n) by its inverse (full, exactly symmetric)
    /// via the Cholesky factor: `torch.cholesky_inverse(torch.linalg.cholesky(A))`.
    public static func invert<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, n: Int) throws(LinalgError) {
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteInput(routine: T._prefix + "potri") }
        try potrf(a, n: n, triangle: .upper)
        try potri(a, n: n, triangle: .upper)
        T._symmetrize(a, n: n, from: .upper)
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteOutput(routine: T._prefix + "potri") }
    }

    /// Replaces the symmetric positive-definite `h` (n×n) by the upper Cholesky factor U of its
    /// inverse, H⁻¹ = Uᵀ·U, with zeros below the diagonal. This is GPTQ's
    /// `cholesky(cholesky_inverse(cholesky(H)), upper=True)`; GPTQ reads U's rows.
    public static func upperFactorOfInverse<T: LinalgScalar>(_ h: UnsafeMutablePointer<T>,
                                                             n: Int) throws(LinalgError) {
        guard Kernels.allFinite(h, count: n * n) else { throw .nonFiniteInput(routine: T._prefix + "potrf") }
        // All three steps read and write the row-major upper triangle, so no mirroring is needed.
        try potrf(h, n: n, triangle: .upper)
        try potri(h, n: n, triangle: .upper)
        try potrf(h, n: n, triangle: .upper)
        T._zeroStrict(h, n: n, triangle: .lower)
        guard Kernels.allFinite(h, count: n * n) else { throw .nonFiniteOutput(routine: T._prefix + "potrf") }
    }

    private static func potrf<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, n: Int,
                                               triangle: MatrixTriangle) throws(LinalgError) {
        let info = T._potrf(uplo: triangle.columnMajorUplo, n: n, a: a, lda: n)
        if info < 0 { throw .illegalArgument(routine: T._prefix + "potrf", index: info) }
        if info > 0 { throw .notPositiveDefinite(routine: T._prefix + "potrf", order: info) }
    }

    /// Inverse from a factor in `triangle`; the result is in the same triangle.
    private static func potri<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, n: Int,
                                               triangle: MatrixTriangle) throws(LinalgError) {
        let info = T._potri(uplo: triangle.columnMajorUplo, n: n, a: a, lda: n)
        if info < 0 { throw .illegalArgument(routine: T._prefix + "potri", index: info) }
        if info > 0 { throw .singular(routine: T._prefix + "potri", index: info) }
    }
}

/// Triangular solves (BLAS `?trsm`) and inverses (LAPACK `?trtri`) on row-major matrices, for
/// PSGD's triangular preconditioner factors and GPTQ.
public enum Triangular {
    /// Solves in place for X, overwriting B (m×n, leading dimension `ldb`):
    /// `.left`: op(A)·X = alpha·B with A m×m; `.right`: X·op(A) = alpha·B with A n×n;
    /// op(A) = Aᵀ when `transpose`. Only `triangle` of A is read; `unitDiagonal` assumes ones on
    /// the diagonal without reading it.
    ///
    /// No checks and no throw (it sits in PSGD's per-step path): a zero on A's diagonal gives
    /// Inf/NaN in B, which the caller detects with `Kernels.allFinite` if it can happen.
    /// Example, kron_torch's B = Q_L⁻ᵀ·V·Q_R⁻¹ with upper Q's: a left solve with `transpose`,
    /// then a right solve without.
    @inline(__always)
    public static func solve<T: LinalgScalar>(side: MatrixSide, triangle: MatrixTriangle, transpose: Bool = false,
                                              unitDiagonal: Bool = false, m: Int, n: Int, alpha: T = 1,
                                              a: UnsafePointer<T>, lda: Int,
                                              b: UnsafeMutablePointer<T>, ldb: Int) {
        T._trsm(side: side, triangle: triangle, transpose: transpose, unitDiagonal: unitDiagonal,
                m: m, n: n, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb)
    }

    /// Replaces the triangular `a` (n×n, `triangle` read and written; the other triangle is left
    /// as it was) by its inverse, which is triangular in the same triangle. The whole buffer must
    /// be finite (keep zeros in the unused triangle). Throws `.singular` with the 1-based index of an exactly zero diagonal element.
    public static func invert<T: LinalgScalar>(_ a: UnsafeMutablePointer<T>, n: Int, triangle: MatrixTriangle,
                                               unitDiagonal: Bool = false) throws(LinalgError) {
        let routine = T._prefix + "trtri"
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteInput(routine: routine) }
        let info = T._trtri(uplo: triangle.columnMajorUplo, diag: unitDiagonal ? LapackChar.unit : LapackChar.nonUnit,
                            n: n, a: a, lda: n)
        if info < 0 { throw .illegalArgument(routine: routine, index: info) }
        if info > 0 { throw .singular(routine: routine, index: info) }
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteOutput(routine: routine) }
    }
}
