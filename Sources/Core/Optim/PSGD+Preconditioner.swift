// PSGD Kron: the Kronecker factors, their fit to (m̂, V) pairs, and the preconditioned direction.
//
// Every tensor is seen as a row-major rows×cols matrix: a 2-D parameter as itself, a 1-D one as
// a single row with no left factor (so A = m̂·Q_Rᵀ is kron_torch's Q·m̂ for a vector), larger ones
// merged as kron_torch does. Triangular factors are upper triangular in full square storage with
// exact zeros below the diagonal, so products with them are BLAS `trmm` (half a `gemm`).

import CBLAS
import Synchronization

extension PSGDKron {
    /// One Kronecker factor: an upper-triangular matrix or a diagonal, of one dimension.
    struct Factor: Equatable {
        let triangular: Bool
        let size: Int

        var shape: [Int] { triangular ? [size, size] : [size] }
        var count: Int { triangular ? size * size : size }
    }

    /// The tensor seen as a matrix, and its factors.
    struct Geometry {
        let rows: Int
        let cols: Int
        /// nil for 1-D (and 0-D) tensors, which have one factor.
        let left: Factor?
        let right: Factor
        /// The parameter's own number of dimensions (weight decay skips 1-D).
        let originalNdim: Int

        var isMatrix: Bool { left != nil }
        var maxTriangularSide: Int {
            Swift.max(left.map { $0.triangular ? $0.size : 0 } ?? 0, right.triangular ? right.size : 0)
        }
    }

    func geometry(_ shape: [Int]) -> Geometry {
        let rows: Int, cols: Int, ndim: Int
        switch shape.count {
        case 0: (rows, cols, ndim) = (1, 1, 1)
        case 1: (rows, cols, ndim) = (1, shape[0], 1)
        case 2: (rows, cols, ndim) = (shape[0], shape[1], 2)
        default:
            // kron_torch merge_dims: [∏shape[:-1], last] or [first, ∏rest], by smaller signed diff.
            let total = shape.reduce(1, *), first = shape[0], last = shape[shape.count - 1]
            let allButLast = total / Swift.max(last, 1), allButFirst = total / Swift.max(first, 1)
            if last - allButLast <= allButFirst - first { (rows, cols) = (allButLast, last) }
            else { (rows, cols) = (first, allButFirst) }
            ndim = 2
        }
        func factor(_ size: Int) -> Factor {
            Factor(triangular: !(size == 1 || size > maxSizeTriangular || ndim < minNdimTriangular), size: size)
        }
        return Geometry(rows: rows, cols: cols, left: ndim == 2 ? factor(rows) : nil, right: factor(cols),
                        originalNdim: shape.count)
    }

    /// Q_i = precond_init_scale^(1/ndim)·I (triangular) or ·1 (diagonal).
    func initializeFactors(_ geo: Geometry, qL: UnsafeMutablePointer<Float>?, qR: UnsafeMutablePointer<Float>) {
        let scale = Float(Math.pow(precondInitScale, 1 / Double(geo.isMatrix ? 2 : 1)))
        func fill(_ f: Factor, _ q: UnsafeMutablePointer<Float>) {
            if f.triangular {
                q.update(repeating: 0, count: f.count)
                for i in 0..<f.size { q[i * f.size + i] = scale }
            } else {
                q.update(repeating: scale, count: f.size)
            }
        }
        if let left = geo.left, let qL { fill(left, qL) }
        fill(geo.right, qR)
    }

    /// Rescales both factors to the geometric mean of their max-abs norms (P is unchanged).
    func balance(_ geo: Geometry, qL: UnsafeMutablePointer<Float>, qR: UnsafeMutablePointer<Float>) {
        guard let left = geo.left else { return }
        let nL = maxAbs(qL, count: left.count), nR = maxAbs(qR, count: geo.right.count)
        let mean = variant.geometricMean(nL, nR)
        Kernels.scale(qL, by: mean / nL, count: left.count)
        Kernels.scale(qR, by: mean / nR, count: geo.right.count)
    }

    /// kron_torch: G ← G + √eps·mean|G|·V.
    func addNoise(_ g: UnsafeMutablePointer<Float>, noise v: UnsafePointer<Float>, count: Int, eps: Double) {
        var sumAbs = 0.0
        for i in 0..<count { sumAbs += Double(abs(g[i])) }
        let c = Float(eps).squareRoot() * Float(sumAbs / Double(count))
        for i in 0..<count { g[i] += c * v[i] }
    }

    /// One fit of the factors to (G, V): A = Q_L G Q_Rᵀ, B = Q_L⁻ᵀ V Q_R⁻¹, then each factor
    /// moves with A and B fixed.
    func updatePreconditioner(_ geo: Geometry, qL: UnsafeMutablePointer<Float>?, qR: UnsafeMutablePointer<Float>,
                              fitted g: UnsafePointer<Float>, buf: Scratch) {
        let rows = geo.rows, cols = geo.cols, count = rows * cols
        let a = buf.a, b = buf.b
        a.update(from: g, count: count)
        if let left = geo.left, let qL { applyLeft(left, qL, transpose: false, to: a, rows: rows, cols: cols) }
        applyRight(geo.right, qR, transpose: true, to: a, rows: rows, cols: cols)

        b.update(from: buf.noise, count: count)
        if let left = geo.left, let qL {
            if left.triangular {
                Triangular.solve(side: .left, triangle: .upper, transpose: true, m: rows, n: cols,
                                 a: UnsafePointer(qL), lda: rows, b: b, ldb: cols)
            } else {
                for i in 0..<rows {
                    let q = qL[i]
                    for j in 0..<cols { b[i * cols + j] /= q }
                }
            }
        }
        if geo.right.triangular {
            Triangular.solve(side: .right, triangle: .upper, transpose: false, m: rows, n: cols,
                             a: UnsafePointer(qR), lda: cols, b: b, ldb: cols)
        } else {
            for i in 0..<rows {
                for j in 0..<cols { b[i * cols + j] /= qR[j] }
            }
        }

        if let left = geo.left, let qL { updateFactor(left, qL, isLeft: true, geo: geo, buf: buf) }
        updateFactor(geo.right, qR, isLeft: false, geo: geo, buf: buf)
    }

    /// Q ← Q − triu(d)/lb(s)·Q (triangular) or q ← q − d⊙q/max|s| (diagonal), with
    /// d = precond_lr·(T1 − T2), s = T1 + T2, and T = A·Aᵀ (left) or Aᵀ·A (right), T2 from B.
    private func updateFactor(_ f: Factor, _ q: UnsafeMutablePointer<Float>, isLeft: Bool, geo: Geometry,
                              buf: Scratch) {
        let rows = geo.rows, cols = geo.cols, n = f.size
        let plr = Float(precondLR)
        if f.triangular {
            let d = buf.t1, s = buf.t2
            // The dimension kept is the factor's; the other is contracted.
            Float._syrk(transpose: !isLeft, n: n, k: isLeft ? cols : rows, alpha: 1, a: buf.a, lda: cols,
                        beta: 0, c: d, ldc: n)
            Float._syrk(transpose: !isLeft, n: n, k: isLeft ? cols : rows, alpha: 1, a: buf.b, lda: cols,
                        beta: 0, c: s, ldc: n)
            // From the upper triangles: d = triu(plr·(T1 − T2)), s = T1 + T2 (full, symmetric).
            var norm: Float = 0
            for i in 0..<n {
                for j in 0..<i { d[i * n + j] = 0 }
                for j in i..<n {
                    let t1 = d[i * n + j], t2 = s[i * n + j]
                    d[i * n + j] = (t1 - t2) * plr
                    let sum = t1 + t2
                    s[i * n + j] = sum
                    s[j * n + i] = sum
                    norm = Swift.max(norm, abs(sum))
                }
            }
            let divisor = variant.guarded(lowerBound(s, n: n, maxAbs: norm, buf: buf), tiny: tiny)
            for i in 0..<n {
                for j in i..<n { d[i * n + j] /= divisor }
            }
            // Q − (d/lb)·Q: the product of two upper-triangular matrices, by trmm on a copy of Q.
            let product = buf.product
            product.update(from: q, count: n * n)
            trmm(side: CblasLeft, transpose: false, m: n, n: n, a: d, lda: n, b: product, ldb: n)
            for i in 0..<(n * n) { q[i] -= product[i] }
        } else {
            let t1 = buf.v1, t2 = buf.v2
            sumsOfSquares(buf.a, rows: rows, cols: cols, alongRows: isLeft, into: t1)
            sumsOfSquares(buf.b, rows: rows, cols: cols, alongRows: isLeft, into: t2)
            var norm: Float = 0
            for i in 0..<n {
                let a = t1[i], b = t2[i]
                t1[i] = (a - b) * plr
                norm = Swift.max(norm, abs(a + b))
            }
            switch variant {
            case .kronTorch:
                let divisor = variant.guarded(norm, tiny: tiny)
                for i in 0..<n { q[i] -= t1[i] * (q[i] / divisor) }
            case .pytorchOptimizer:
                let divisor = variant.guarded(norm, tiny: tiny)
                for i in 0..<n { q[i] -= t1[i] * q[i] / divisor }
            }
        }
    }

    /// A cheap lower bound of the spectral norm of the symmetric n×n `s` whose max |entry| is
    /// `maxAbs` (`s` is divided by it in place): j = argmax of the column norms of s/maxAbs,
    /// x = s·s[:, j] normalised, lb = ‖s·x‖·maxAbs.
    ///
    /// This is kron_torch's `_lb`. pytorch-optimizer's `norm_lower_bound` is two-sided (it takes
    /// the rows' or the columns' branch by which has the larger norm); on an exactly symmetric s
    /// the two tie, it takes the row branch, and that is the same computation. It only clamps the
    /// norm of x at `tiny` where kron_torch divides by it as it is.
    private func lowerBound(_ s: UnsafeMutablePointer<Float>, n: Int, maxAbs: Float, buf: Scratch) -> Float {
        guard maxAbs > 0 else { return 0 }
        for i in 0..<(n * n) { s[i] /= maxAbs }
        var best: Float = -1, j = 0
        for c in 0..<n {
            // Row c is column c: s is exactly symmetric.
            var sum: Float = 0
            for k in 0..<n { sum += s[c * n + k] * s[c * n + k] }
            if sum > best { best = sum; j = c }
        }
        let x = buf.v1, y = buf.v2
        Float._gemv(transpose: false, m: n, n: n, alpha: 1, a: s, lda: n, x: s + j * n, beta: 0, y: x)
        var norm = Float(Kernels.sumOfSquares(x, count: n).squareRoot())
        if variant.clampsLowerBoundNorm { norm = Swift.max(norm, tiny) }
        for i in 0..<n { x[i] /= norm }
        Float._gemv(transpose: false, m: n, n: n, alpha: 1, a: s, lda: n, x: x, beta: 0, y: y)
        return Float(Kernels.sumOfSquares(y, count: n).squareRoot()) * maxAbs
    }

    /// P = (Q_LᵀQ_L)·m̂·(Q_RᵀQ_R), in `buf.out`.
    func precondition(_ geo: Geometry, qL: UnsafeMutablePointer<Float>?, qR: UnsafeMutablePointer<Float>,
                      mh: UnsafePointer<Float>, buf: Scratch) -> UnsafeMutablePointer<Float> {
        let rows = geo.rows, cols = geo.cols
        let out = buf.out
        out.update(from: mh, count: rows * cols)
        if let left = geo.left, let qL {
            applyLeft(left, qL, transpose: false, to: out, rows: rows, cols: cols)
            applyLeft(left, qL, transpose: true, to: out, rows: rows, cols: cols)
        }
        applyRight(geo.right, qR, transpose: true, to: out, rows: rows, cols: cols)
        applyRight(geo.right, qR, transpose: false, to: out, rows: rows, cols: cols)
        return out
    }

    /// x ← op(Q)·x in place (x rows×cols).
    private func applyLeft(_ f: Factor, _ q: UnsafePointer<Float>, transpose: Bool, to x: UnsafeMutablePointer<Float>,
                           rows: Int, cols: Int) {
        if f.triangular {
            trmm(side: CblasLeft, transpose: transpose, m: rows, n: cols, a: q, lda: rows, b: x, ldb: cols)
        } else {
            for i in 0..<rows {
                let s = q[i]
                for j in 0..<cols { x[i * cols + j] *= s }
            }
        }
    }

    /// x ← x·op(Q) in place (x rows×cols).
    private func applyRight(_ f: Factor, _ q: UnsafePointer<Float>, transpose: Bool, to x: UnsafeMutablePointer<Float>,
                            rows: Int, cols: Int) {
        if f.triangular {
            trmm(side: CblasRight, transpose: transpose, m: rows, n: cols, a: q, lda: cols, b: x, ldb: cols)
        } else {
            for i in 0..<rows {
                for j in 0..<cols { x[i * cols + j] *= q[j] }
            }
        }
    }

    /// B ← op(A)·B (left) or B·op(A) (right), A upper triangular (only its upper triangle read).
    private func trmm(side: CBLAS_SIDE, transpose: Bool, m: Int, n: Int, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafeMutablePointer<Float>, ldb: Int) {
        cblas_strmm(CblasRowMajor, side, CblasUpper, transpose ? CblasTrans : CblasNoTrans, CblasNonUnit,
                    Int32(m), Int32(n), 1, a, Int32(lda), b, Int32(ldb))
    }

    /// Sums of squares of x (rows×cols) per row (`alongRows`) or per column.
    private func sumsOfSquares(_ x: UnsafePointer<Float>, rows: Int, cols: Int, alongRows: Bool,
                               into out: UnsafeMutablePointer<Float>) {
        if alongRows {
            for i in 0..<rows {
                var sum: Float = 0
                for j in 0..<cols { sum += x[i * cols + j] * x[i * cols + j] }
                out[i] = sum
            }
        } else {
            out.update(repeating: 0, count: cols)
            for i in 0..<rows {
                for j in 0..<cols { out[j] += x[i * cols + j] * x[i * cols + j] }
            }
        }
    }

    private func maxAbs(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, abs(x[i])) }
        return m
    }
}

// MARK: - Scratch

extension PSGDKron {
    /// The rule's working buffers. The optimizer may update several tensors at once (one per
    /// lane), so each update checks a `Scratch` out of a small pool and returns it: the pool holds
    /// as many as ever ran at once, each grown to the largest tensor it served, and after the
    /// first steps nothing is allocated. The lock is held only to take or return a set.
    final class ScratchPool: @unchecked Sendable {
        private let free = Mutex<[Scratch]>([])

        func withScratch(count: Int, side: Int, square: Int, _ body: (Scratch) -> Void) {
            let scratch = free.withLock { $0.popLast() } ?? Scratch()
            body(scratch.reserve(count: count, side: side, square: square))
            free.withLock { $0.append(scratch) }
        }
    }

    /// Working buffers for one tensor update at a time, grown to the largest tensor served:
    /// nothing here outlives a call to `update`.
    final class Scratch: @unchecked Sendable {
        private(set) var count = 0, side = 0, square = 0
        /// m̂; the noise V; A; B; a copy of the gradient (when the raw gradient is fitted); P.
        private(set) var mh, noise, a, b, gradient, out: UnsafeMutablePointer<Float>
        /// Square workspaces of the largest triangular factor: d, s, and d·Q.
        private(set) var t1, t2, product: UnsafeMutablePointer<Float>
        /// Vectors of the largest dimension.
        private(set) var v1, v2: UnsafeMutablePointer<Float>

        init() {
            (mh, noise, a, b, gradient, out) = (allocateAligned(1), allocateAligned(1), allocateAligned(1),
                                                allocateAligned(1), allocateAligned(1), allocateAligned(1))
            (t1, t2, product) = (allocateAligned(1), allocateAligned(1), allocateAligned(1))
            (v1, v2) = (allocateAligned(1), allocateAligned(1))
        }

        deinit {
            for p in [mh, noise, a, b, gradient, out, t1, t2, product, v1, v2] { freeAligned(p) }
        }

        /// Makes every buffer large enough for a rows×cols tensor with triangular factors of at
        /// most `square` (only allocates when a tensor is larger than any before).
        func reserve(count: Int, side: Int, square: Int) -> Scratch {
            if count > self.count {
                for p in [mh, noise, a, b, gradient, out] { freeAligned(p) }
                (mh, noise, a, b, gradient, out) = (allocateAligned(count), allocateAligned(count),
                                                    allocateAligned(count), allocateAligned(count),
                                                    allocateAligned(count), allocateAligned(count))
                self.count = count
            }
            if square > self.square {
                for p in [t1, t2, product] { freeAligned(p) }
                let n = square * square
                (t1, t2, product) = (allocateAligned(n), allocateAligned(n), allocateAligned(n))
                self.square = square
            }
            if side > self.side {
                freeAligned(v1)
                freeAligned(v2)
                (v1, v2) = (allocateAligned(side), allocateAligned(side))
                self.side = side
            }
            return self
        }
    }
}
