/// Where QuEST leaves its quantized output.
public enum QuESTDomain: String, Sendable, CaseIterable {
    /// y = x_q, still rotated: QuEST's `HalfHadamardTrustQuantizer`, the study's default. A linear
    /// layer that rotates both W and x sees (xH)(WH)ᵀ = xWᵀ, so no inverse is needed.
    case hadamard
    /// y = x_q·Hᵀ, rotated back: `HadamardTrustQuantizer`.
    case original
}

/// QuEST quantize–dequantize per row with its trust-masked straight-through gradient.
///
/// The rule of IST-DASLab/QuEST `base_linear.py` (docs/quantization.md §5), for each row of
/// x (rows, cols):
///
///     x_h   = x·H                              block Hadamard (`BlockHadamard`)
///     std   = sqrt(mean(x_h²))                 RMS, no mean subtraction
///     scale = c_b·std + 1e-8                   c_b: MSE-optimal clip for N(0, 1)
///     step  = 2·scale/(2^b − 1)
///     x_q   = round(clamp(x_h, −scale, scale)/step + ½)·step − step/2     ties to even
///     mask  = |x_q − x_h| ≤ T·std,  T = c_b/(2^b − 1)
///
/// The fp32 operations follow the reference's order (docs/quantization.md §2.2), so exact ties
/// resolve as in PyTorch: x_h = 0 maps to −step/2 (§2.1).
public struct QuEST: Sendable, Equatable {
    public let bits: Int
    /// The Hadamard block; nil picks `BlockHadamard.largestBlock(dividing: cols)` per call.
    public let hadamardBlock: Int?
    /// Round 1/√block to bfloat16 as the reference's H does (see `BlockHadamard`).
    public let bf16Hadamard: Bool
    /// Clip scale in std units, c_b.
    public let clip: Float
    /// Trust radius in std units, T.
    public let trust: Float

    /// OPTIMAL_GAUSSIAN_SCALES of the reference, by bit width (docs/quantization.md §5.2).
    public static let optimalGaussianScales: [Int: Double] = [
        1: 0.7978845587140913, 2: 1.4935346200015913, 3: 2.051068354131873, 4: 2.513930578568423,
        5: 2.9160938834961225, 6: 3.276597282593217, 7: 3.6010497188221655, 8: 3.884938678807525,
    ]

    /// A QuEST quantizer at 2 to 8 bits. `trust` overrides the default T = c_b/(2^b − 1).
    ///
    /// One bit is rejected: its grid (±scale, ties to −scale) is a different code path that the
    /// study never uses.
    public init(bits: Int, hadamardBlock: Int? = nil, bf16Hadamard: Bool = false, trust: Double? = nil) throws {
        guard (2...8).contains(bits), let c = QuEST.optimalGaussianScales[bits] else {
            throw QScopeError.badInput("QuEST bits must be 2 to 8 (got \(bits))")
        }
        if let b = hadamardBlock { _ = try BlockHadamard(block: b) }
        self.bits = bits
        self.hadamardBlock = hadamardBlock
        self.bf16Hadamard = bf16Hadamard
        // The reference multiplies a Python double by an fp32 tensor, i.e. rounds the constant to
        // Float first; T is divided in double before that rounding.
        self.clip = Float(c)
        self.trust = Float(trust ?? c / Double((1 << bits) - 1))
    }

    /// The transform used for a matrix `cols` wide; throws if the fixed block does not divide it.
    public func hadamard(cols: Int) throws -> BlockHadamard {
        let block = hadamardBlock ?? BlockHadamard.largestBlock(dividing: max(cols, 1))
        guard cols > 0, cols % block == 0 else {
            throw QScopeError.badInput("width \(cols) is not a multiple of the Hadamard block \(block)")
        }
        return transform(cols: cols)
    }

    /// The transform for a width `hadamard(cols:)` accepts (init checked the block is a power of two).
    func transform(cols: Int) -> BlockHadamard {
        BlockHadamard(powerOfTwo: hadamardBlock ?? BlockHadamard.largestBlock(dividing: cols), bf16Entries: bf16Hadamard)
    }

    /// y (rows, cols) = QuEST(x) in `domain`; mask (rows, cols) ← 1 where trusted, 0 elsewhere.
    ///
    /// y may be x. The mask is in the Hadamard basis (it masks x_h) whatever the domain, and
    /// `backward` needs it with the same domain.
    public func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                        mask: UnsafeMutablePointer<Float>, rows: Int, cols: Int, domain: QuESTDomain) throws {
        forward(x, into: y, mask: mask, rows: rows, cols: cols, domain: domain, h: try hadamard(cols: cols))
    }

    /// `forward` with the transform already resolved for `cols`.
    func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
                 rows: Int, cols: Int, domain: QuESTDomain, h: BlockHadamard) {
        h.apply(x, into: y, rows: rows, cols: cols)
        let levels = Float((1 << bits) - 1)
        for r in 0..<rows {
            let row = y + r * cols, m = mask + r * cols
            // mean(x_h²) accumulated in Double: the fp32 rounding of the mean is what matters.
            let std = Float(Kernels.sumOfSquares(row, count: cols) / Double(cols)).squareRoot()
            let scale = clip * std + 1e-8
            let step = 2 * scale / levels
            let half = step / 2
            let radius = trust * std
            for i in 0..<cols {
                let xh = row[i]
                let clamped = Swift.min(Swift.max(xh, -scale), scale)
                let xq = (clamped / step + 0.5).rounded(.toNearestOrEven) * step - half
                m[i] = abs(xq - xh) <= radius ? 1 : 0
                row[i] = xq
            }
        }
        if domain == .original { h.apply(y, rows: rows, cols: cols) }
    }

    /// dx (rows, cols) = the trust-masked straight-through gradient of `forward` at dy.
    ///
    /// With x_h = x·H and ∂x_q/∂x_h taken as diag(mask) (no gradient to scale or std):
    /// hadamard domain  y = x_q      ⇒ dx = (dy ⊙ m)·Hᵀ;
    /// original domain  y = x_q·Hᵀ   ⇒ dx = ((dy·H) ⊙ m)·Hᵀ.
    /// H is symmetric, so Hᵀ is the same transform. dx may be dy.
    public func backward(_ dy: UnsafePointer<Float>, mask: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                         rows: Int, cols: Int, domain: QuESTDomain) throws {
        backward(dy, mask: mask, into: dx, rows: rows, cols: cols, domain: domain, h: try hadamard(cols: cols))
    }

    /// `backward` with the transform already resolved for `cols`.
    func backward(_ dy: UnsafePointer<Float>, mask: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                  rows: Int, cols: Int, domain: QuESTDomain, h: BlockHadamard) {
        if domain == .original {
            h.apply(dy, into: dx, rows: rows, cols: cols)
        } else if UnsafePointer(dx) != dy {
            dx.update(from: dy, count: rows * cols)
        }
        for i in 0..<(rows * cols) { dx[i] *= mask[i] }
        h.apply(dx, rows: rows, cols: cols)
    }
}

/// The plain straight-through estimator for round-to-nearest fake-quant QAT (docs/quantization.md §6).
///
/// Forward is `RoundToNearest.apply`; backward is the identity, x + (q(x) − x).detach() as in
/// QuEST's `STEQuantizer`, with no mask. (torch's `fake_quantize_*` zeroes the gradient outside
/// the clamp range instead; with the absmax grid every value lies inside it, so the two agree.)
public struct StraightThrough: Sendable, Equatable {
    public let quantizer: RoundToNearest

    public init(_ quantizer: RoundToNearest) { self.quantizer = quantizer }

    /// y (rows, cols) = q(x); y may be x.
    public func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        quantizer.apply(x, into: y, rows: rows, cols: cols)
    }

    /// dx (rows, cols) = dy: the identity STE. dx may be dy.
    public func backward(_ dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        if UnsafePointer(dx) != dy { dx.update(from: dy, count: rows * cols) }
    }
}
