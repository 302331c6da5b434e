/// Symmetric eigendecomposition A = Q·diag(λ)·Qᵀ through LAPACK `?syevd` (divide and conquer),
/// with its work arrays sized once for one n and reused on every call.
///
/// Shapes (row-major): A is n×n and symmetric; only its upper triangle is read. λ has n entries
/// in ascending order. Q is n×n, orthonormal, with the eigenvector for λ[j] in column j (the
/// convention of `torch.linalg.eigh`). Eigenvector signs, and the basis inside a repeated
/// eigenvalue's eigenspace, are whatever LAPACK picks.
///
/// Throws `LinalgError` when the input or the result holds NaN/Inf or LAPACK reports info ≠ 0;
/// the outputs are then unspecified. `SymmetricEigen<Double>` also accepts Float32 matrices and
/// computes in Float64 (see `decompose(_:eigenvalues:eigenvectors:)` on Float pointers), the
/// usual retry when Float32 fails on an ill-conditioned preconditioner statistic.
///
/// Not thread-safe: one workspace per thread.
public final class SymmetricEigen<T: LinalgScalar> {
    public let n: Int
    private let work: UnsafeMutablePointer<T>
    private let lwork: Int
    private let iwork: UnsafeMutablePointer<Int32>
    private let liwork: Int
    /// Float64 copies of a Float32 caller's matrix (n²) and eigenvalues (n); allocated on the
    /// first mixed-precision call and reused.
    fileprivate var staging: UnsafeMutablePointer<T>?

    var routine: String { T._prefix + "syevd" }

    public init(n: Int) {
        precondition(n >= 1, "SymmetricEigen needs n >= 1, got \(n)")
        self.n = n
        var workQuery = T.zero, iworkQuery: Int32 = 0, dummyA = T.zero, dummyW = T.zero
        let info = T._syevd(uplo: LapackChar.lower, n: n, a: &dummyA, w: &dummyW, work: &workQuery, lwork: -1,
                            iwork: &iworkQuery, liwork: -1)
        precondition(info == 0, "\(T._prefix)syevd workspace query failed (info \(info))")
        // Documented minima for jobz = "V": lwork 1 + 6n + 2n², liwork 3 + 5n.
        lwork = workSize(workQuery, minimum: 1 + 6 * n + 2 * n * n)
        liwork = Swift.max(Int(iworkQuery), 3 + 5 * n)
        work = allocateAligned(lwork)
        iwork = allocateAligned(liwork)
    }

    deinit {
        freeAligned(work)
        freeAligned(iwork)
        if let staging { freeAligned(staging) }
    }

    /// Eigenvalues (ascending, n) and eigenvectors (columns of the n×n Q) of the symmetric n×n `a`.
    /// `eigenvectors` may be the same buffer as `a`.
    public func decompose(_ a: UnsafePointer<T>, eigenvalues: UnsafeMutablePointer<T>,
                          eigenvectors: UnsafeMutablePointer<T>) throws(LinalgError) {
        try decomposeTransposed(a, eigenvalues: eigenvalues, vectorsAsRows: eigenvectors)
        T._transposeInPlace(eigenvectors, n: n)
    }

    /// The same, leaving Qᵀ (eigenvector j in row j) in `vectorsAsRows`: LAPACK's column-major
    /// output read row-major, which `InverseRoot` consumes without the transpose.
    /// `diagonalShift` is added to the diagonal of the copy before solving.
    func decomposeTransposed(_ a: UnsafePointer<T>, eigenvalues: UnsafeMutablePointer<T>,
                             vectorsAsRows: UnsafeMutablePointer<T>, diagonalShift: T = 0) throws(LinalgError) {
        // NaN in syevd can loop for long or return garbage with info = 0: refuse it up front.
        guard Kernels.allFinite(a, count: n * n) else { throw .nonFiniteInput(routine: routine) }
        T._copy(a, to: vectorsAsRows, count: n * n, dividingBy: 1)
        if diagonalShift != 0 {
            for i in 0..<n { vectorsAsRows[i * n + i] += diagonalShift }
        }
        // A row-major upper triangle is the column-major lower triangle.
        let info = T._syevd(uplo: LapackChar.lower, n: n, a: vectorsAsRows, w: eigenvalues, work: work,
                            lwork: lwork, iwork: iwork, liwork: liwork)
        try checkInfo(info, routine: routine)
        guard Kernels.allFinite(eigenvalues, count: n), Kernels.allFinite(vectorsAsRows, count: n * n) else {
            throw .nonFiniteOutput(routine: routine)
        }
    }
}

extension SymmetricEigen where T == Double {
    /// Float32 in and out, Float64 inside: for statistics whose small eigenvalues Float32 cannot
    /// resolve. Same shapes and conventions as the Float64 method; `eigenvectors` may alias `a`.
    public func decompose(_ a: UnsafePointer<Float>, eigenvalues: UnsafeMutablePointer<Float>,
                          eigenvectors: UnsafeMutablePointer<Float>) throws(LinalgError) {
        let buffer = stagingBuffer()
        let values = buffer + n * n
        for i in 0..<(n * n) { buffer[i] = Double(a[i]) }
        try decompose(buffer, eigenvalues: values, eigenvectors: buffer)
        for i in 0..<n { eigenvalues[i] = Float(values[i]) }
        for i in 0..<(n * n) { eigenvectors[i] = Float(buffer[i]) }
    }

    fileprivate func stagingBuffer() -> UnsafeMutablePointer<Double> {
        if let staging { return staging }
        let buffer: UnsafeMutablePointer<Double> = allocateAligned(n * n + n)
        staging = buffer
        return buffer
    }
}

/// Inverse p-th root of a symmetric positive semi-definite matrix through its eigendecomposition,
/// the Shampoo preconditioner: R = Q·diag(f(λ))·Qᵀ with f(λ) = λ̃^(-1/p).
///
/// Shapes: A and R are n×n row-major; R is exactly symmetric. Regularisation of the eigenvalues:
/// - `.clampThenAdd` (default): λ̃ = max(λ, 0) + ε. Clamping first stops the tiny negative
///   eigenvalues that rounding gives a PSD matrix from reaching the power.
/// - `.perturbThenShift`: Distributed Shampoo's rule: eigh(A + εI), then if min λ < ε shift all
///   eigenvalues by ε − min λ.
///
/// With ε = 0 a singular A gives an infinite root, which is thrown as `.nonFiniteOutput`.
/// `InverseRoot<Double>` also takes Float32 matrices and computes in Float64.
public final class InverseRoot<T: LinalgScalar> {
    public enum Regularization: Sendable { case clampThenAdd, perturbThenShift }

    public let n: Int
    private let eigen: SymmetricEigen<T>
    /// Eigenvectors as rows (n×n), then scaled in place to W = diag(f^½)·Qᵀ.
    private let vectors: UnsafeMutablePointer<T>
    private let values: UnsafeMutablePointer<T>
    private let scales: UnsafeMutablePointer<T>
    /// Float64 copy of a Float32 caller's matrix, reused for the Float64 result.
    fileprivate var staging: UnsafeMutablePointer<T>?

    public init(n: Int) {
        self.n = n
        eigen = SymmetricEigen(n: n)
        vectors = allocateAligned(n * n)
        values = allocateAligned(n)
        scales = allocateAligned(n)
    }

    deinit {
        freeAligned(vectors)
        freeAligned(values)
        freeAligned(scales)
        if let staging { freeAligned(staging) }
    }

    /// R = A^(-1/p) (regularised) into `root` (n×n), which may be the same buffer as `a`.
    public func compute(_ a: UnsafePointer<T>, p: Double, epsilon: T, regularization: Regularization = .clampThenAdd,
                        into root: UnsafeMutablePointer<T>) throws(LinalgError) {
        precondition(p > 0, "inverse root needs p > 0")
        precondition(epsilon >= 0, "epsilon must be non-negative")
        let shift: T = regularization == .perturbThenShift ? epsilon : 0
        try eigen.decomposeTransposed(a, eigenvalues: values, vectorsAsRows: vectors, diagonalShift: shift)
        let eps = Double(epsilon)
        let minimum = Double(values[0])  // ascending
        for j in 0..<n {
            let lambda: Double
            switch regularization {
            case .clampThenAdd: lambda = Swift.max(Double(values[j]), 0) + eps
            case .perturbThenShift: lambda = minimum < eps ? Double(values[j]) - minimum + eps : Double(values[j])
            }
            scales[j] = T(Math.pow(lambda, -0.5 / p))
            values[j] = T(lambda)
        }
        T._scaleRows(vectors, rows: n, cols: n, by: scales)
        // R = Wᵀ·W with W = diag(f^½)·Qᵀ equals Q·diag(f)·Qᵀ; syrk costs half a gemm and the
        // mirrored result is exactly symmetric. f > 0 always, so the square root is real.
        T._syrk(transpose: true, n: n, k: n, alpha: 1, a: vectors, lda: n, beta: 0, c: root, ldc: n)
        T._symmetrize(root, n: n, from: .upper)
        guard Kernels.allFinite(root, count: n * n) else { throw .nonFiniteOutput(routine: "inverseRoot") }
    }

    /// The regularised eigenvalues λ̃ (n, ascending) from the last `compute` that got past the
    /// eigendecomposition; for logging condition numbers.
    public var lastEigenvalues: UnsafePointer<T> { UnsafePointer(values) }
}

extension InverseRoot where T == Double {
    /// Float32 in and out, Float64 inside. `root` may be the same buffer as `a`.
    public func compute(_ a: UnsafePointer<Float>, p: Double, epsilon: Double,
                        regularization: Regularization = .clampThenAdd,
                        into root: UnsafeMutablePointer<Float>) throws(LinalgError) {
        let buffer: UnsafeMutablePointer<Double>
        if let staging { buffer = staging } else {
            buffer = allocateAligned(n * n)
            staging = buffer
        }
        for i in 0..<(n * n) { buffer[i] = Double(a[i]) }
        try compute(buffer, p: p, epsilon: epsilon, regularization: regularization, into: buffer)
        for i in 0..<(n * n) { root[i] = Float(buffer[i]) }
    }
}
