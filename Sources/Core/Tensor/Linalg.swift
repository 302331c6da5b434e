// Dense linear algebra for second-order optimizers and quantizers: the shared error type, the
// scalar backend protocol, and the O(n²) kernels the LAPACK/BLAS wrappers need around each call.
//
// Layout: every public routine takes row-major matrices. LAPACK is called in column-major mode
// (LAPACKE's row-major mode allocates and transposes a copy on every call), so each wrapper maps
// the layouts explicitly: a row-major buffer read as column-major is the transpose, which is free
// for symmetric matrices and swaps upper and lower triangles for triangular ones.
//
// Allocation: the workspace classes (`SymmetricEigen`, `InverseRoot`, `HouseholderQR`,
// `NewtonSchulz`, `SpectralNorm`) size their scratch once for one shape, querying LAPACK's work
// arrays with lwork = -1 in `init`; their compute methods do not allocate (the Float64 staging
// of the Float32-in/Float64-inside methods is allocated on their first call, then reused).
//
// Failure: routines throw `LinalgError` rather than trapping, so an optimizer can keep its last
// good preconditioner. Outputs are unspecified after a throw; keep the good copy elsewhere.

/// A failure of a dense linear-algebra routine.
public enum LinalgError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input held NaN or ±Inf; LAPACK was not called.
    case nonFiniteInput(routine: String)
    /// LAPACK returned success but the result holds NaN or ±Inf.
    case nonFiniteOutput(routine: String)
    /// The eigensolver did not converge (LAPACK info > 0).
    case notConverged(routine: String, info: Int)
    /// Cholesky: the leading minor of this order (1-based) is not positive definite.
    case notPositiveDefinite(routine: String, order: Int)
    /// Triangular inverse: diagonal element `index` (1-based) is exactly zero.
    case singular(routine: String, index: Int)
    /// LAPACK rejected argument number `index` (info < 0): a bug in the call, not in the data.
    case illegalArgument(routine: String, index: Int)

    public var description: String {
        switch self {
        case .nonFiniteInput(let r): return "\(r): input contains NaN or Inf"
        case .nonFiniteOutput(let r): return "\(r): result contains NaN or Inf"
        case .notConverged(let r, let info): return "\(r): did not converge (info \(info))"
        case .notPositiveDefinite(let r, let order):
            return "\(r): matrix is not positive definite (leading minor of order \(order))"
        case .singular(let r, let index): return "\(r): matrix is singular (zero pivot at \(index))"
        case .illegalArgument(let r, let index): return "\(r): illegal argument \(-index)"
        }
    }

    /// The same failure in the project-wide error family, for code that reports to the user.
    public var qscopeError: QScopeError { .runtime(description) }
}

/// Which triangle of a row-major square matrix a routine reads or writes.
public enum MatrixTriangle: Sendable {
    case upper, lower

    /// The LAPACK `uplo` character for the same storage read as column-major: the transpose,
    /// so upper and lower swap.
    var columnMajorUplo: CChar { self == .upper ? LapackChar.lower : LapackChar.upper }
}

/// Which side of B a triangular matrix multiplies in a solve.
public enum MatrixSide: Sendable { case left, right }

/// LAPACK's single-character options.
enum LapackChar {
    static let upper = CChar(UInt8(ascii: "U"))
    static let lower = CChar(UInt8(ascii: "L"))
    static let vectors = CChar(UInt8(ascii: "V"))
    static let nonUnit = CChar(UInt8(ascii: "N"))
    static let unit = CChar(UInt8(ascii: "U"))
}

/// A scalar type the linear-algebra layer computes in: `Float` (the training dtype) and `Double`
/// (ill-conditioned statistics, test oracles).
///
/// The underscored requirements are the backend, not API: each is one LAPACK or BLAS call, or one
/// O(n²) kernel implemented concretely per type so that no element loop runs through generic
/// dispatch (a client module calling an unspecialised generic method would otherwise pay a
/// witness-table call per element). LAPACK hooks are column-major and return LAPACK's `info`;
/// BLAS hooks are row-major. Use the workspace types instead of calling these.
public protocol LinalgScalar: BinaryFloatingPoint, Sendable {
    static var _prefix: String { get }

    // LAPACK, column-major, in place; lwork = -1 is a size query written to work[0]/iwork[0].
    static func _syevd(uplo: CChar, n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>,
                       work: UnsafeMutablePointer<Self>, lwork: Int,
                       iwork: UnsafeMutablePointer<Int32>, liwork: Int) -> Int
    static func _geqrf(m: Int, n: Int, a: UnsafeMutablePointer<Self>, lda: Int, tau: UnsafeMutablePointer<Self>,
                       work: UnsafeMutablePointer<Self>, lwork: Int) -> Int
    static func _orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Self>, lda: Int,
                       tau: UnsafePointer<Self>, work: UnsafeMutablePointer<Self>, lwork: Int) -> Int
    static func _potrf(uplo: CChar, n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int
    static func _potri(uplo: CChar, n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int
    static func _trtri(uplo: CChar, diag: CChar, n: Int, a: UnsafeMutablePointer<Self>, lda: Int) -> Int

    // BLAS, row-major.
    static func _gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                      a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                      beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// C (n×n, upper triangle only) = alpha·op(A)·op(A)ᵀ + beta·C; op(A) is n×k.
    static func _syrk(transpose: Bool, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                      beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func _trsm(side: MatrixSide, triangle: MatrixTriangle, transpose: Bool, unitDiagonal: Bool,
                      m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                      b: UnsafeMutablePointer<Self>, ldb: Int)
    static func _gemv(transpose: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
                      x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)

    // Element kernels.
    /// dst = src / divisor (divisor 1 is an exact copy). dst may equal src.
    static func _copy(_ src: UnsafePointer<Self>, to dst: UnsafeMutablePointer<Self>, count: Int, dividingBy divisor: Self)
    /// dst (cols×rows) = srcᵀ / divisor, src rows×cols; no overlap.
    static func _transpose(_ src: UnsafePointer<Self>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Self>,
                           dividingBy divisor: Self)
    static func _transposeInPlace(_ a: UnsafeMutablePointer<Self>, n: Int)
    /// Copies one triangle of an n×n matrix onto the other, making it exactly symmetric.
    static func _symmetrize(_ a: UnsafeMutablePointer<Self>, n: Int, from triangle: MatrixTriangle)
    /// Zeroes the strict `triangle` (diagonal kept).
    static func _zeroStrict(_ a: UnsafeMutablePointer<Self>, n: Int, triangle: MatrixTriangle)
    /// Row i of the rows×cols matrix a is multiplied by s[i].
    static func _scaleRows(_ a: UnsafeMutablePointer<Self>, rows: Int, cols: Int, by s: UnsafePointer<Self>)
}

// MARK: - Scratch memory

/// A 64-byte-aligned, zero-filled buffer for a workspace; free it with `freeAligned`.
func allocateAligned<T: Numeric>(_ count: Int, of _: T.Type = T.self) -> UnsafeMutablePointer<T> {
    let n = Swift.max(count, 1)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<T>.stride, alignment: 64)
    return raw.initializeMemory(as: T.self, repeating: .zero, count: n)
}

func freeAligned<T>(_ p: UnsafeMutablePointer<T>) { UnsafeMutableRawPointer(p).deallocate() }

/// Maps LAPACK's info for routines whose positive info has no special meaning here. The name is
/// built only on failure.
func checkInfo(_ info: Int, routine: @autoclosure () -> String) throws(LinalgError) {
    if info < 0 { throw .illegalArgument(routine: routine(), index: info) }
    if info > 0 { throw .notConverged(routine: routine(), info: info) }
}

/// Optimal lwork from a LAPACK size query, never below the documented minimum. LAPACK returns
/// the size as a float, which loses integer precision above 2^24 in single precision.
func workSize<T: LinalgScalar>(_ queried: T, minimum: Int) -> Int {
    Swift.max(Int(Double(queried).rounded(.up)), minimum, 1)
}

// MARK: - Generic kernels (specialised per type through the LinalgScalar conformances)

@inline(__always)
func kernelCopy<T: BinaryFloatingPoint>(_ src: UnsafePointer<T>, to dst: UnsafeMutablePointer<T>, count: Int,
                                        dividingBy divisor: T) {
    if divisor == 1 {
        if UnsafePointer(dst) != src { dst.update(from: src, count: count) }
    } else {
        // A true division, not a multiply by the reciprocal: the reference normalises with `/`.
        for i in 0..<count { dst[i] = src[i] / divisor }
    }
}

/// Tiles of 32×32 keep both the read and the strided write inside L1.
private let transposeTile = 32

@inline(__always)
func kernelTranspose<T: BinaryFloatingPoint>(_ src: UnsafePointer<T>, rows: Int, cols: Int,
                                             into dst: UnsafeMutablePointer<T>, dividingBy divisor: T) {
    var i0 = 0
    while i0 < rows {
        let i1 = Swift.min(i0 + transposeTile, rows)
        var j0 = 0
        while j0 < cols {
            let j1 = Swift.min(j0 + transposeTile, cols)
            for i in i0..<i1 {
                for j in j0..<j1 { dst[j * rows + i] = src[i * cols + j] / divisor }
            }
            j0 = j1
        }
        i0 = i1
    }
}

@inline(__always)
func kernelTransposeInPlace<T: BinaryFloatingPoint>(_ a: UnsafeMutablePointer<T>, n: Int) {
    var ib = 0
    while ib < n {
        let ie = Swift.min(ib + transposeTile, n)
        var jb = ib
        while jb < n {
            let je = Swift.min(jb + transposeTile, n)
            for i in ib..<ie {
                var j = jb == ib ? i + 1 : jb
                while j < je {
                    let t = a[i * n + j]
                    a[i * n + j] = a[j * n + i]
                    a[j * n + i] = t
                    j += 1
                }
            }
            jb = je
        }
        ib = ie
    }
}

@inline(__always)
func kernelSymmetrize<T: BinaryFloatingPoint>(_ a: UnsafeMutablePointer<T>, n: Int, from triangle: MatrixTriangle) {
    for i in 0..<n {
        for j in (i + 1)..<Swift.max(n, i + 1) {
            if triangle == .upper { a[j * n + i] = a[i * n + j] } else { a[i * n + j] = a[j * n + i] }
        }
    }
}

@inline(__always)
func kernelZeroStrict<T: BinaryFloatingPoint>(_ a: UnsafeMutablePointer<T>, n: Int, triangle: MatrixTriangle) {
    for i in 0..<n {
        if triangle == .lower {
            for j in 0..<i { a[i * n + j] = 0 }
        } else {
            for j in (i + 1)..<Swift.max(n, i + 1) { a[i * n + j] = 0 }
        }
    }
}

@inline(__always)
func kernelScaleRows<T: BinaryFloatingPoint>(_ a: UnsafeMutablePointer<T>, rows: Int, cols: Int,
                                             by s: UnsafePointer<T>) {
    for i in 0..<rows {
        let f = s[i]
        let row = a + i * cols
        for j in 0..<cols { row[j] *= f }
    }
}
