import Foundation

// Pieces shared by the Kronecker-factored optimizers, Shampoo (both variants) and SOAP: the view
// of a parameter as a matrix with a left and a right factor, the factor statistics, the two-sided
// products, and one scratch/solver pool per optimizer.
//
// Precision: statistics, inverse roots and eigenbases are optimizer state and live in Float32
// (checkpointed like every other slot; the references' default factor dtype is fp32 too). Every
// eigendecomposition and QR runs in Float64 on a Float64 copy, so the solver adds no error of its
// own on top of the storage rounding and converges on the rank-deficient statistics of the first
// steps (G·Gᵀ has rank ≤ min(m, n)). What Float64 cannot undo is the Float32 rounding of a stored
// factor, ~1e-7·‖A‖ in its null space: against the 1e-8…1e-12 epsilons, a rank-deficient factor's
// null-space eigenvalues are rounding noise, and its root (ε^(−1/4) or, for vectors, ε^(−1/2))
// amplifies whatever falls there. The reference's own fp32 run differs from its fp64 run in the
// same way (measured: 6e-3 relative on a 6-vector rooted at rank 2); with full-rank factors the
// goldens are matched to ~1e-7.

/// Which Kronecker factor: left = the rows×rows statistic G·Gᵀ (the parameter's dimension 0),
/// right = the cols×cols statistic Gᵀ·G (dimension 1).
enum FactorSide: Sendable { case left, right }

/// A parameter as the Kronecker-factored optimizers see it: a rows×cols row-major matrix whose
/// left and right factors are each on or off. A 2-D (out, in) weight is itself; a vector of n is
/// an n×1 column whose only possible factor is the left (its n×n full-matrix statistic g·gᵀ).
struct KroneckerShape: Sendable, Equatable {
    let rows: Int
    let cols: Int
    /// The parameter's number of dimensions, the reference's "order" (exponents are 1/(2·order)).
    let order: Int

    init(_ info: ParameterInfo) {
        precondition(info.shape.count == 1 || info.shape.count == 2,
                     "Kronecker-factored optimizers take 1-D and 2-D parameters, got \(info.shape) for \(info.name)")
        order = info.shape.count
        rows = info.shape[0]
        cols = order == 2 ? info.shape[1] : 1
    }

    /// Throws unless every parameter of `layout` is 1-D or 2-D (checked when the optimizer is built).
    static func validate(_ layout: ParameterLayout, optimizer: OptimizerKind) throws {
        if let bad = layout.parameters.first(where: { $0.shape.count != 1 && $0.shape.count != 2 }) {
            throw QScopeError.badInput("\(optimizer) takes 1-D and 2-D parameters; \(bad.name) has shape \(bad.shape)")
        }
    }
}

enum KroneckerFactors {
    /// C ← decay·C + weight·G·Gᵀ (left, C rows×rows) or decay·C + weight·Gᵀ·G (right, C cols×cols),
    /// for the rows×cols matrix G at `g` with leading dimension `ld` (a block of a wider matrix).
    /// One BLAS syrk (half a gemm), then the lower triangle is mirrored so C is exactly symmetric.
    static func accumulate(_ c: UnsafeMutablePointer<Float>, side: FactorSide, gradient g: UnsafePointer<Float>,
                           rows: Int, cols: Int, ld: Int, decay: Float, weight: Float) {
        let n = side == .left ? rows : cols
        let k = side == .left ? cols : rows
        Float._syrk(transpose: side == .right, n: n, k: k, alpha: weight, a: g, lda: ld, beta: decay, c: c, ldc: n)
        Float._symmetrize(c, n: n, from: .upper)
    }

    /// out = op(A)·X·op(B) for X rows×cols (leading dimension `ldx`), A rows×rows and B cols×cols
    /// (either may be nil: identity), op = transpose where asked. `out` (leading dimension `ldOut`)
    /// must not overlap X; `scratch` holds rows·cols floats for the intermediate.
    static func sandwich(left a: UnsafePointer<Float>?, transposeLeft: Bool, _ x: UnsafePointer<Float>, ldx: Int,
                         right b: UnsafePointer<Float>?, transposeRight: Bool, rows: Int, cols: Int,
                         into out: UnsafeMutablePointer<Float>, ldOut: Int, scratch: UnsafeMutablePointer<Float>) {
        switch (a, b) {
        case let (a?, b?):
            BLAS.gemm(transA: transposeLeft, transB: false, m: rows, n: cols, k: rows, a: a, lda: rows,
                      b: x, ldb: ldx, c: scratch, ldc: cols)
            BLAS.gemm(transA: false, transB: transposeRight, m: rows, n: cols, k: cols, a: scratch, lda: cols,
                      b: b, ldb: cols, c: out, ldc: ldOut)
        case let (a?, nil):
            BLAS.gemm(transA: transposeLeft, transB: false, m: rows, n: cols, k: rows, a: a, lda: rows,
                      b: x, ldb: ldx, c: out, ldc: ldOut)
        case let (nil, b?):
            BLAS.gemm(transA: false, transB: transposeRight, m: rows, n: cols, k: cols, a: x, lda: ldx,
                      b: b, ldb: cols, c: out, ldc: ldOut)
        case (nil, nil):
            for i in 0..<rows { (out + i * ldOut).update(from: x + i * ldx, count: cols) }
        }
    }

    /// Writes the n×n identity.
    static func setIdentity(_ a: UnsafeMutablePointer<Float>, n: Int) {
        a.update(repeating: 0, count: n * n)
        for i in 0..<n { a[i * n + i] = 1 }
    }

    /// Σ x² over a rows×cols block with leading dimension `ld`, in Double.
    static func sumOfSquares(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int) -> Double {
        if ld == cols { return Kernels.sumOfSquares(x, count: rows * cols) }
        var s = 0.0
        for i in 0..<rows { s += Kernels.sumOfSquares(x + i * ld, count: cols) }
        return s
    }
}

/// The scratch and Float64 solvers of one optimizer, lent out one workspace per concurrent
/// tensor update.
///
/// `Optimizer` may update tensors on several threads at once; each update borrows a workspace
/// for its duration and returns it. So there are as many workspaces as updates ever ran at the
/// same time (the optimizer's thread count), each with buffers sized for the largest parameter
/// it served and one eigensolver per factor dimension, rather than a workspace per tensor (an
/// n×n Float64 eigen workspace is ~5n² doubles, and the model has dozens of factors). After the
/// first step nothing is allocated.
final class FactorWorkspaces: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [FactorWorkspace] = []
    private var failures = 0

    /// Runs `body` with a workspace no other thread is using.
    func run<R>(_ body: (FactorWorkspace) throws -> R) rethrows -> R {
        lock.lock()
        let workspace = idle.popLast() ?? FactorWorkspace(owner: self)
        lock.unlock()
        defer {
            lock.lock()
            idle.append(workspace)
            lock.unlock()
        }
        return try body(workspace)
    }

    /// Recomputations (inverse roots, eigenbases) that failed and kept a usable previous value.
    var failedComputations: Int {
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    fileprivate func recordFailure() {
        lock.lock()
        failures += 1
        lock.unlock()
    }
}

/// One thread's scratch buffers and Float64 solvers (see `FactorWorkspaces`).
final class FactorWorkspace {
    private unowned let owner: FactorWorkspaces
    private var inverseRoots: [Int: InverseRoot<Double>] = [:]
    private var eigens: [Int: SymmetricEigen<Double>] = [:]
    private var qrs: [Int: HouseholderQR<Double>] = [:]
    private var floatBuffers: [ScratchBuffer<Float>] = []
    private var doubleBuffers: [ScratchBuffer<Double>] = []
    private var intBuffer = ScratchBuffer<Int>()

    fileprivate init(owner: FactorWorkspaces) {
        self.owner = owner
    }

    /// Float scratch number `index`, at least `count` long (contents unspecified).
    func floats(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while floatBuffers.count <= index { floatBuffers.append(ScratchBuffer()) }
        return floatBuffers[index].pointer(count: count)
    }

    /// Float64 scratch number `index`, at least `count` long.
    func doubles(_ index: Int, count: Int) -> UnsafeMutablePointer<Double> {
        while doubleBuffers.count <= index { doubleBuffers.append(ScratchBuffer()) }
        return doubleBuffers[index].pointer(count: count)
    }

    func ints(count: Int) -> UnsafeMutablePointer<Int> { intBuffer.pointer(count: count) }

    /// root ← (A / divisor)^(−exponent), regularised by `epsilon` as `regularization` says, with A
    /// n×n symmetric (Float32 state) and the eigendecomposition in Float64. On failure (NaN/Inf
    /// in A or in the result, no convergence) `root` is left untouched (the last good root is
    /// kept, as the reference does) and false is returned.
    @discardableResult
    func inverseRoot(of a: UnsafePointer<Float>, n: Int, dividedBy divisor: Double, exponent: Double,
                     epsilon: Double, regularization: InverseRoot<Double>.Regularization,
                     into root: UnsafeMutablePointer<Float>) -> Bool {
        let solver = inverseRoots[n] ?? { let s = InverseRoot<Double>(n: n); inverseRoots[n] = s; return s }()
        let buffer = doubles(0, count: n * n)
        for i in 0..<(n * n) { buffer[i] = Double(a[i]) / divisor }
        do {
            try solver.compute(buffer, p: 1 / exponent, epsilon: epsilon, regularization: regularization, into: buffer)
        } catch {
            owner.recordFailure()
            return false
        }
        for i in 0..<(n * n) { root[i] = Float(buffer[i]) }
        return true
    }

    /// Q ← eigenvectors of (A + 1e-30·I) in columns, by DESCENDING eigenvalue (SOAP's
    /// `torch.flip(eigh(...).eigenvectors, [1])`), computed in Float64. On failure Q is set to
    /// the identity (an un-rotated basis: plain Adam on that side) and false is returned.
    @discardableResult
    func descendingEigenvectors(of a: UnsafePointer<Float>, n: Int, into q: UnsafeMutablePointer<Float>) -> Bool {
        let solver = eigens[n] ?? { let s = SymmetricEigen<Double>(n: n); eigens[n] = s; return s }()
        let matrix = doubles(0, count: n * n), values = doubles(1, count: n)
        for i in 0..<(n * n) { matrix[i] = Double(a[i]) }
        for i in 0..<n { matrix[i * n + i] += 1e-30 }
        do {
            try solver.decompose(matrix, eigenvalues: values, eigenvectors: matrix)
        } catch {
            owner.recordFailure()
            KroneckerFactors.setIdentity(q, n: n)
            return false
        }
        for i in 0..<n {
            for j in 0..<n { q[i * n + j] = Float(matrix[i * n + (n - 1 - j)]) }
        }
        return true
    }

    /// SOAP's basis refresh for one factor (nikhilvyas `get_orthogonal_matrix_QR`), in Float64:
    /// est = diag(Qᵀ·GG·Q); order = argsort(est, descending); Q ← Q[:, order];
    /// Q ← qr(GG·Q).Q (one power iteration). `order` receives the permutation (n entries), which
    /// the caller applies to the second moment. If the QR fails, Q keeps the permuted old basis
    /// (still orthonormal and consistent with the permuted moment) and false is returned.
    @discardableResult
    func refreshBasis(statistic gg: UnsafePointer<Float>, basis q: UnsafeMutablePointer<Float>, n: Int,
                      order: UnsafeMutablePointer<Int>) -> Bool {
        let g = doubles(0, count: n * n), old = doubles(1, count: n * n), power = doubles(2, count: n * n)
        for i in 0..<(n * n) {
            g[i] = Double(gg[i])
            old[i] = Double(q[i])
        }
        // power = GG·Q; est_j = q_jᵀ·(GG·q_j) is then a column dot product.
        Double._gemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: g, lda: n, b: old, ldb: n,
                     beta: 0, c: power, ldc: n)
        let est = doubles(3, count: n)
        for j in 0..<n { est[j] = 0 }
        for i in 0..<n {
            for j in 0..<n { est[j] += old[i * n + j] * power[i * n + j] }
        }
        // Stable insertion sort, descending. The basis comes sorted from the last refresh or eigh,
        // so the order is nearly sorted and this is close to linear.
        for j in 0..<n { order[j] = j }
        for j in 1..<Swift.max(n, 1) {
            let key = order[j]
            var k = j - 1
            while k >= 0 && est[order[k]] < est[key] {
                order[k + 1] = order[k]
                k -= 1
            }
            order[k + 1] = key
        }
        // Permute the columns: Q[:, order] into `q`, and (GG·Q)[:, order] = GG·Q[:, order] into g.
        for i in 0..<n {
            for j in 0..<n {
                q[i * n + j] = Float(old[i * n + order[j]])
                g[i * n + j] = power[i * n + order[j]]
            }
        }
        let qr = qrs[n] ?? { let s = HouseholderQR<Double>(rows: n, cols: n); qrs[n] = s; return s }()
        do {
            try qr.factor(g, q: g)
        } catch {
            owner.recordFailure()
            return false
        }
        for i in 0..<(n * n) { q[i] = Float(g[i]) }
        return true
    }
}

/// A 64-byte-aligned buffer that grows (discarding its contents) when asked for more.
final class ScratchBuffer<T: Numeric> {
    private var base: UnsafeMutablePointer<T>?
    private var capacity = 0

    func pointer(count: Int) -> UnsafeMutablePointer<T> {
        if let base, capacity >= count { return base }
        if let base { freeAligned(base) }
        let p: UnsafeMutablePointer<T> = allocateAligned(count)
        base = p
        capacity = Swift.max(count, 1)
        return p
    }

    deinit { if let base { freeAligned(base) } }
}
