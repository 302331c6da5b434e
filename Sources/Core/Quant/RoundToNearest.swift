/// Which values share one quantization scale.
public enum QuantGranularity: Sendable, Hashable, CustomStringConvertible {
    /// One scale for the whole matrix.
    case tensor
    /// One scale per row: per output channel for a weight (out, in), per token for activations.
    case row
    /// One scale per run of `g` consecutive columns within a row.
    case group(Int)

    /// Parses `tensor`, `row` or `group:G`.
    public init(parsing text: String) throws {
        switch text {
        case "tensor": self = .tensor
        case "row": self = .row
        default:
            guard text.hasPrefix("group:"), let g = Int(text.dropFirst(6)), g > 0 else {
                throw QScopeError.badInput("granularity must be row, tensor or group:G with G > 0 (got '\(text)')")
            }
            self = .group(g)
        }
    }

    public var description: String {
        switch self {
        case .tensor: return "tensor"
        case .row: return "row"
        case .group(let g): return "group:\(g)"
        }
    }
}

/// How a symmetric quantizer lays out its grid (docs/quantization.md §3: the two are different grids).
public enum SymmetricGrid: String, Sendable, CaseIterable {
    /// The study's PTQ grid: scale = absmax/(2^(b−1)−1), codes ±(2^(b−1)−1), zero at 0.
    case absmax
    /// IST-DASLab GPTQ's `quant.py`: scale = 2·absmax/(2^b−1), zero point 2^b/2, codes 0…2^b−1.
    case gptq
}

/// Round-to-nearest quantize-dequantize of a row-major matrix, ties to even as `torch.round`.
///
/// Symmetric quantizers use `grid`; the asymmetric one is GPTQ's min/max rule (the range is
/// widened to contain 0, zero point round(−min/scale)). Every division is `x / scale` in Float,
/// in the reference's order, so ties land where they land in PyTorch (docs/quantization.md §2.2).
public struct RoundToNearest: Sendable, Equatable {
    public var bits: Int
    public var granularity: QuantGranularity
    public var symmetric: Bool
    public var grid: SymmetricGrid

    public init(bits: Int, granularity: QuantGranularity = .row, symmetric: Bool = true,
                grid: SymmetricGrid = .absmax) throws {
        guard (2...8).contains(bits) else { throw QScopeError.badInput("bits must be 2 to 8 (got \(bits))") }
        if case .group(let g) = granularity, g <= 0 { throw QScopeError.badInput("group size must be positive") }
        self.bits = bits
        self.granularity = granularity
        self.symmetric = symmetric
        self.grid = grid
    }

    /// y (rows, cols) = dequantize(quantize(x)); y may be x.
    public func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        switch granularity {
        case .tensor:
            quantize(x, into: y, count: rows * cols)
        case .row:
            for r in 0..<rows { quantize(x + r * cols, into: y + r * cols, count: cols) }
        case .group(let g):
            for r in 0..<rows {
                var start = 0
                while start < cols {
                    let n = min(g, cols - start)
                    quantize(x + r * cols + start, into: y + r * cols + start, count: n)
                    start += n
                }
            }
        }
    }

    /// One scale for `count` contiguous values.
    private func quantize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let p = QuantParams(bits: bits, symmetric: symmetric, grid: grid, values: x, count: count)
        for i in 0..<count { y[i] = p.fakeQuantize(x[i]) }
    }
}

/// The (scale, zero) of one run of values and the quantize-dequantize of one value on that grid,
/// shared by `RoundToNearest` and `GPTQ` (which recomputes it per row and per group as it goes).
///
/// Symmetric `.absmax`: scale = absmax/(2^(b−1)−1), zero 0, codes ±(2^(b−1)−1). Otherwise
/// quant.py's `find_params`: the range is widened to contain 0; symmetric mirrors it only when
/// min < 0 (quant.py's `xmin[tmp] = -xmax[tmp]`), with zero point 2^b/2; asymmetric uses
/// zero = round(−min/scale). An all-zero run gets range [−1, 1] so nothing divides by 0.
public struct QuantParams: Sendable, Equatable {
    public var scale: Float
    public var zero: Float
    /// Inclusive code range after adding `zero`.
    public var minCode: Float
    public var maxCode: Float

    /// Parameters of `count` contiguous values at `values` (count ≥ 1).
    public init(bits: Int, symmetric: Bool, grid: SymmetricGrid, values x: UnsafePointer<Float>, count: Int) {
        var lo: Float = 0, hi: Float = 0
        for i in 0..<count {
            lo = Swift.min(lo, x[i])
            hi = Swift.max(hi, x[i])
        }
        if symmetric && grid == .absmax {
            let qmax = Float((1 << (bits - 1)) - 1)
            let absmax = Swift.max(-lo, hi)
            scale = absmax > 0 ? absmax / qmax : 1
            zero = 0
            minCode = -qmax
            maxCode = qmax
            return
        }
        let maxq = Float((1 << bits) - 1)
        if symmetric {
            hi = Swift.max(-lo, hi)
            if lo < 0 { lo = -hi }
        }
        if lo == 0 && hi == 0 {
            lo = -1
            hi = 1
        }
        scale = (hi - lo) / maxq
        zero = symmetric ? (maxq + 1) / 2 : (-lo / scale).rounded(.toNearestOrEven)
        minCode = 0
        maxCode = maxq
    }

    /// scale·(clamp(round(x/scale) + zero) − zero): a division, not a reciprocal multiply, and
    /// ties to even, so ties fall as in PyTorch (docs/quantization.md §2).
    @inline(__always)
    public func fakeQuantize(_ x: Float) -> Float {
        let q = Swift.min(Swift.max((x / scale).rounded(.toNearestOrEven) + zero, minCode), maxCode)
        return scale * (q - zero)
    }
}
