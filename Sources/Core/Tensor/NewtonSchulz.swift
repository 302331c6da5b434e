/// Newton–Schulz quintic orthogonalisation, Muon's and Scion's map G ↦ ≈U·Vᵀ (G = U·S·Vᵀ), with
/// KellerJordan's coefficients and order of operations (docs/optimizers.md §4.2):
///
///     X = G / (‖G‖_F + eps);  if rows > cols: X = Xᵀ
///     repeat steps: A = X·Xᵀ;  B = b·A + c·A·A;  X = a·X + B·X
///     if transposed: X = Xᵀ
///
/// (a, b, c) = (3.4445, −4.7750, 2.0315), eps = 1e-7, 5 steps. The output's singular values are
/// not 1 but lie in roughly [0.68, 1.13]. The reference runs this in bf16; here it runs in the
/// workspace's T (Float32 for training, Float64 for oracles), as docs/optimizers.md §9.1 advises.
/// The references' bf16 arithmetic is `BFloat16NewtonSchulz` (see `NewtonSchulzPrecision`).
///
/// Shapes: G and the output are rows×cols row-major. Internally X is s×l with s = min(rows, cols),
/// l = max, so the Gram matrices are the small s×s ones. Cost per step: s²l (syrk) + s³ (syrk)
/// + 2s²l (gemm) flops. All products go through BLAS into scratch allocated in `init`.
///
/// Throws `.nonFiniteInput` when G holds NaN/Inf (the Frobenius norm is then not finite).
/// Not thread-safe: one workspace per thread.
public final class NewtonSchulz<T: LinalgScalar> {
    /// KellerJordan's quintic: the slope at 0 is maximised subject to staying inside [0.68, 1.13].
    public static var defaultCoefficients: (a: Double, b: Double, c: Double) { (3.4445, -4.7750, 2.0315) }

    public let rows: Int
    public let cols: Int
    public let coefficients: (a: T, b: T, c: T)
    /// Added to the Frobenius norm before dividing (KellerJordan; torch.optim.Muon clamps instead).
    public let epsilon: T
    private let transposed: Bool
    private let small: Int
    private let large: Int
    /// X and the next X (s×l each), swapped after every step.
    private var x: UnsafeMutablePointer<T>
    private var y: UnsafeMutablePointer<T>
    /// A = X·Xᵀ and B = b·A + c·A·A (s×s each).
    private let gram: UnsafeMutablePointer<T>
    private let poly: UnsafeMutablePointer<T>

    public init(rows: Int, cols: Int, coefficients: (a: Double, b: Double, c: Double) = defaultCoefficients,
                epsilon: Double = 1e-7) {
        precondition(rows >= 1 && cols >= 1, "NewtonSchulz needs a non-empty matrix, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.coefficients = (T(coefficients.a), T(coefficients.b), T(coefficients.c))
        self.epsilon = T(epsilon)
        transposed = rows > cols
        small = Swift.min(rows, cols)
        large = Swift.max(rows, cols)
        x = allocateAligned(small * large)
        y = allocateAligned(small * large)
        gram = allocateAligned(small * small)
        poly = allocateAligned(small * small)
    }

    deinit {
        freeAligned(x)
        freeAligned(y)
        freeAligned(gram)
        freeAligned(poly)
    }

    /// Writes the orthogonalised `g` (rows×cols) into `out` (rows×cols); `out` may be `g`.
    public func orthogonalize(_ g: UnsafePointer<T>, into out: UnsafeMutablePointer<T>,
                              steps: Int = 5) throws(LinalgError) {
        precondition(steps >= 0, "steps must be non-negative")
        let s = small, l = large
        let norm = Kernels.sumOfSquares(g, count: s * l).squareRoot()
        guard norm.isFinite else { throw .nonFiniteInput(routine: "newtonSchulz") }
        // The norm is rounded to T before eps is added, as in the reference's T arithmetic.
        let divisor = T(norm) + epsilon
        // g is read completely here, before `out` is written, which is what makes out == g safe.
        if transposed {
            T._transpose(g, rows: rows, cols: cols, into: x, dividingBy: divisor)
        } else {
            T._copy(g, to: x, count: s * l, dividingBy: divisor)
        }
        let (a, b, c) = coefficients
        for step in 0..<steps {
            // A = X·Xᵀ: syrk fills the upper triangle at half a gemm's cost; mirror it.
            T._syrk(transpose: false, n: s, k: l, alpha: 1, a: x, lda: l, beta: 0, c: gram, ldc: s)
            T._symmetrize(gram, n: s, from: .upper)
            // B = b·A + c·A·A. A is symmetric, so A·A = A·Aᵀ is one more syrk, with beta = b on a
            // copy of A.
            T._copy(gram, to: poly, count: s * s, dividingBy: 1)
            T._syrk(transpose: false, n: s, k: s, alpha: c, a: gram, lda: s, beta: b, c: poly, ldc: s)
            T._symmetrize(poly, n: s, from: .upper)
            // X ← a·X + B·X. B·X reads X, so the sum goes to the other buffer (straight into `out`
            // on the last step when no transpose follows), pre-filled with X for gemm's beta = a.
            let target = (step == steps - 1 && !transposed) ? out : y
            T._copy(x, to: target, count: s * l, dividingBy: 1)
            T._gemm(transA: false, transB: false, m: s, n: l, k: s, alpha: 1, a: poly, lda: s, b: x, ldb: l,
                    beta: a, c: target, ldc: l)
            if target == y { swap(&x, &y) } else { return }
        }
        if transposed {
            T._transpose(x, rows: s, cols: l, into: out, dividingBy: 1)
        } else {
            T._copy(x, to: out, count: s * l, dividingBy: 1)
        }
    }
}

/// The arithmetic Newton–Schulz runs in for training (hyperparameter `ns_dtype`).
public enum NewtonSchulzPrecision: String, Sendable, CaseIterable {
    /// `NewtonSchulz<Float>`: Float32 throughout (the default; what the golden tests pin).
    case float32
    /// `BFloat16NewtonSchulz`: the references' bf16 iterate and products, fp32 accumulation.
    case bfloat16
}
