/// Spectral norm (largest singular value) of a rows×cols row-major matrix by power iteration on
/// AᵀA from a seeded Gaussian start, with a fixed iteration count so runs are reproducible.
///
/// Each iteration is two BLAS gemv calls: u = A·v / ‖A·v‖, then σ = ‖Aᵀ·u‖, v = Aᵀ·u / σ.
/// σ never exceeds the true norm and approaches it geometrically at rate (σ₂/σ₁)²; a clustered
/// top of the spectrum needs more iterations. Used for analysis (update-to-weight spectral
/// ratios) and Scion radii, where a few percent of underestimate is acceptable.
///
/// Throws `.nonFiniteInput` for NaN/Inf in A. A zero matrix gives 0.
public final class SpectralNorm<T: LinalgScalar> {
    public let rows: Int
    public let cols: Int
    private let u: UnsafeMutablePointer<T>
    private let v: UnsafeMutablePointer<T>

    public init(rows: Int, cols: Int) {
        precondition(rows >= 1 && cols >= 1, "SpectralNorm needs a non-empty matrix, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        u = allocateAligned(rows)
        v = allocateAligned(cols)
    }

    deinit {
        freeAligned(u)
        freeAligned(v)
    }

    /// The estimate after `iterations` (≥ 1) power steps. The start vector consumes `cols`
    /// Gaussians from `rng`.
    public func estimate(_ a: UnsafePointer<T>, iterations: Int = 20, rng: inout RNG) throws(LinalgError) -> T {
        precondition(iterations >= 1, "power iteration needs at least one step")
        guard Kernels.allFinite(a, count: rows * cols) else { throw .nonFiniteInput(routine: "spectralNorm") }
        for j in 0..<cols { v[j] = T(rng.nextGaussian()) }
        guard normalize(v, count: cols) > 0 else { return 0 }
        var sigma: T = 0
        for _ in 0..<iterations {
            T._gemv(transpose: false, m: rows, n: cols, alpha: 1, a: a, lda: cols, x: v, beta: 0, y: u)
            guard normalize(u, count: rows) > 0 else { return 0 }  // v lies in A's null space
            T._gemv(transpose: true, m: rows, n: cols, alpha: 1, a: a, lda: cols, x: u, beta: 0, y: v)
            sigma = normalize(v, count: cols)
            guard sigma > 0 else { return 0 }
        }
        return sigma
    }

    /// Scales x to unit length and returns its former norm (0 leaves x unchanged).
    private func normalize(_ x: UnsafeMutablePointer<T>, count: Int) -> T {
        let norm = T(Kernels.sumOfSquares(x, count: count).squareRoot())
        if norm > 0 { T._copy(x, to: x, count: count, dividingBy: norm) }
        return norm
    }
}
