/// Newton–Schulz in bfloat16, as the references run it (`NewtonSchulzPrecision.bfloat16`).
///
/// The same iteration as `NewtonSchulz` (KellerJordan's coefficients and order), with X, A and B
/// held in bf16 and each product computed by `BFloat16.gemm` (fp32 accumulation, one rounding).
/// Rounding to bf16, written bf(·), happens exactly here (X wide, s×l with s = min(rows, cols)):
///
///     X  = bf(G)                                 KJ: G.bfloat16(); pytorch-optimizer: .to(bfloat16)
///     ν  = bf(‖X‖_F)                             torch: bf16 norm (fp32 sum); here a Double sum
///     X  = bf(X / bf(ν + eps))                   KJ: X / (norm + 1e-7), each op rounded
///     repeat steps:
///       A = bf(X·Xᵀ)                             both: mm, one rounding
///       B = bf(b·A + c·A·A)                      pytorch-optimizer: addmm, one rounding;
///                                                KJ: A@A, c·(A@A), b·A and the sum each rounded
///       X = bf(a·X + B·X)                        pytorch-optimizer: addmm, one rounding;
///                                                KJ: B@X, a·X and the sum each rounded
///     output = Float(X)                          exact
///
/// A tall G (rows > cols) is not transposed as the references do: the iteration runs on it as
/// A = bf(Xᵀ·X), X = bf(a·X + X·B), which sums the same products (B is exactly symmetric) and
/// moves no data. So this matches pytorch-optimizer's `zero_power_via_newton_schulz_5` (the
/// study's Scion, and torch.optim.Muon, which also uses addmm) up to the fp32 summation order,
/// and KellerJordan's `zeropower_via_newtonschulz5` (muon-optimizer, the study's Muon) up to the
/// two or three extra roundings per step of its unfused ops. Both references also multiply the
/// bf16 output by the shape scale in bf16 (one more rounding); the callers here scale in Float32.
/// eps is always added ("add"); the "clamp" placement is obtained by
/// `OrthogonalizationWorkspace`'s exact power-of-two prescaling, which commutes with bf16 rounding.
///
/// Cost per step: s²l/2 (A, upper tiles only) + s³/2 (A·A) + s²l (B·X) multiply-adds at bf16 rate.
/// Throws `.nonFiniteInput` when G holds NaN/Inf. Not thread-safe: one workspace per thread.
public final class BFloat16NewtonSchulz {
    public let rows: Int
    public let cols: Int
    public let coefficients: (a: Float, b: Float, c: Float)
    public let epsilon: Float
    public let path: BFloat16.Path
    /// rows > cols: X is l×s and the products are the transposed ones.
    private let tall: Bool
    private let small: Int
    private let large: Int
    /// X and the next X (rows×cols bf16 each), swapped after every step.
    private var x: UnsafeMutablePointer<UInt16>
    private var y: UnsafeMutablePointer<UInt16>
    /// A and B (s×s bf16 each).
    private let gram: UnsafeMutablePointer<UInt16>
    private let poly: UnsafeMutablePointer<UInt16>
    /// rows×cols Float32: G rounded to bf16, for its norm.
    private let staging: UnsafeMutablePointer<Float>
    /// `BFloat16.gemm`'s scratch, sized for the largest of the three products.
    private let gemmWorkspace: UnsafeMutableRawPointer

    public init(rows: Int, cols: Int,
                coefficients: (a: Double, b: Double, c: Double) = NewtonSchulz<Float>.defaultCoefficients,
                epsilon: Double = 1e-7, path: BFloat16.Path = .best) {
        precondition(rows >= 1 && cols >= 1, "NewtonSchulz needs a non-empty matrix, got \(rows)×\(cols)")
        precondition(path == .emulated || BFloat16.Path.nativeAvailable, "this CPU has no AVX512-BF16")
        self.rows = rows
        self.cols = cols
        self.coefficients = (Float(coefficients.a), Float(coefficients.b), Float(coefficients.c))
        self.epsilon = Float(epsilon)
        self.path = path
        tall = rows > cols
        let s = Swift.min(rows, cols), l = Swift.max(rows, cols)
        small = s
        large = l
        x = allocateAligned(s * l)
        y = allocateAligned(s * l)
        gram = allocateAligned(s * s)
        poly = allocateAligned(s * s)
        staging = allocateAligned(s * l)
        let bytes = [BFloat16.workspaceBytes(m: s, n: s, k: l), BFloat16.workspaceBytes(m: s, n: l, k: s),
                     BFloat16.workspaceBytes(m: l, n: s, k: s)].max()!
        gemmWorkspace = .allocate(byteCount: bytes, alignment: 64)
    }

    deinit {
        freeAligned(x)
        freeAligned(y)
        freeAligned(gram)
        freeAligned(poly)
        freeAligned(staging)
        gemmWorkspace.deallocate()
    }

    /// Writes the orthogonalised `g` (rows×cols) into `out` (rows×cols); `out` may be `g`.
    public func orthogonalize(_ g: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                              steps: Int = 5) throws(LinalgError) {
        precondition(steps >= 0, "steps must be non-negative")
        let s = small, l = large, count = s * l
        // g is read completely here, before `out` is written, which is what makes out == g safe.
        for i in 0..<count { staging[i] = BFloat16.float(BFloat16.round(g[i])) }
        // The norm of the rounded values, as torch takes it of the bf16 tensor.
        let norm = Kernels.sumOfSquares(staging, count: count).squareRoot()
        guard norm.isFinite else { throw .nonFiniteInput(routine: "newtonSchulz") }
        let roundedNorm = BFloat16.float(BFloat16.round(Float(norm)))
        let divisor = BFloat16.float(BFloat16.round(roundedNorm + epsilon))
        for i in 0..<count { x[i] = BFloat16.round(staging[i] / divisor) }
        let (a, b, c) = coefficients
        for _ in 0..<steps {
            if tall {
                gemm(.ata, m: s, n: s, k: l, alpha: 1, a: x, lda: s, c: gram)
            } else {
                gemm(.aat, m: s, n: s, k: l, alpha: 1, a: x, lda: l, c: gram)
            }
            // A is symmetric, so A·A = A·Aᵀ: the half-cost product again, with beta = b on A.
            gemm(.aat, m: s, n: s, k: s, alpha: c, a: gram, lda: s, beta: b, d: gram, c: poly)
            if tall {
                gemm(.ab, m: l, n: s, k: s, alpha: 1, a: x, lda: s, b: poly, beta: a, d: x, c: y)
            } else {
                gemm(.ab, m: s, n: l, k: s, alpha: 1, a: poly, lda: s, b: x, beta: a, d: x, c: y)
            }
            swap(&x, &y)
        }
        for i in 0..<count { out[i] = BFloat16.float(x[i]) }
    }

    /// `BFloat16.gemm` on this workspace's path and scratch, every matrix packed (B, D and C
    /// with n columns).
    private func gemm(_ product: BFloat16.Product, m: Int, n: Int, k: Int, alpha: Float,
                      a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>? = nil, beta: Float = 0,
                      d: UnsafePointer<UInt16>? = nil, c: UnsafeMutablePointer<UInt16>) {
        BFloat16.gemm(path: path, product, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: n,
                      beta: beta, d: d, ldd: n, c: c, ldc: n, workspace: gemmWorkspace)
    }
}
