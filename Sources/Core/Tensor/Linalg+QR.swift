/// Householder QR of a tall matrix, A = Q·R, through LAPACK `?geqrf` + `?orgqr` (the pair
/// `torch.linalg.qr` uses, so column signs follow the same convention: R's diagonal may be
/// negative).
///
/// Shapes (row-major): A is m×n with m ≥ n; Q is m×n with orthonormal columns; R is n×n upper
/// triangular (zeros below the diagonal). SOAP's refresh is Q ← qr(GG·Q).Q with square n×n.
///
/// Layout: LAPACK works column-major, and unlike the symmetric routines QR is not free to
/// reinterpret, so A is transposed into a column-major scratch copy on the way in and Q is
/// transposed back on the way out (O(mn) each, against O(mn²) for the factorisation).
///
/// Throws `LinalgError` on NaN/Inf in the input or the result, or LAPACK info ≠ 0.
public final class HouseholderQR<T: LinalgScalar> {
    public let rows: Int
    public let cols: Int
    /// A, then the reflectors, then Q, column-major m×n (leading dimension m).
    private let packed: UnsafeMutablePointer<T>
    private let tau: UnsafeMutablePointer<T>
    private let work: UnsafeMutablePointer<T>
    private let lwork: Int

    public init(rows: Int, cols: Int) {
        precondition(cols >= 1 && rows >= cols, "HouseholderQR needs rows >= cols >= 1, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        packed = allocateAligned(rows * cols)
        tau = allocateAligned(cols)
        var q1 = T.zero, q2 = T.zero
        let info1 = T._geqrf(m: rows, n: cols, a: packed, lda: rows, tau: tau, work: &q1, lwork: -1)
        let info2 = T._orgqr(m: rows, n: cols, k: cols, a: packed, lda: rows, tau: tau, work: &q2, lwork: -1)
        precondition(info1 == 0 && info2 == 0, "QR workspace query failed (info \(info1), \(info2))")
        // One work array serves both calls; the minima are n for each.
        lwork = Swift.max(workSize(q1, minimum: cols), workSize(q2, minimum: cols))
        work = allocateAligned(lwork)
    }

    deinit {
        freeAligned(packed)
        freeAligned(tau)
        freeAligned(work)
    }

    /// Q (rows×cols) and optionally R (cols×cols) of `a` (rows×cols). `q` may be the same buffer
    /// as `a`.
    public func factor(_ a: UnsafePointer<T>, q: UnsafeMutablePointer<T>,
                       r: UnsafeMutablePointer<T>? = nil) throws(LinalgError) {
        let m = rows, n = cols
        guard Kernels.allFinite(a, count: m * n) else { throw .nonFiniteInput(routine: T._prefix + "geqrf") }
        // Row-major m×n → column-major m×n is the transpose into an n×m row-major buffer.
        T._transpose(a, rows: m, cols: n, into: packed, dividingBy: 1)
        try checkInfo(T._geqrf(m: m, n: n, a: packed, lda: m, tau: tau, work: work, lwork: lwork),
                      routine: T._prefix + "geqrf")
        if let r {
            // R is the upper triangle of the column-major result: R[i][j] = packed[i + j·m], i ≤ j.
            for i in 0..<n {
                for j in 0..<n { r[i * n + j] = j >= i ? packed[i + j * m] : 0 }
            }
        }
        try checkInfo(T._orgqr(m: m, n: n, k: n, a: packed, lda: m, tau: tau, work: work, lwork: lwork),
                      routine: T._prefix + "orgqr")
        // Column-major m×n Q read as row-major is Qᵀ (n×m); transpose it back.
        T._transpose(packed, rows: n, cols: m, into: q, dividingBy: 1)
        guard Kernels.allFinite(q, count: m * n) else { throw .nonFiniteOutput(routine: T._prefix + "orgqr") }
    }
}
