/// Block-diagonal Walsh–Hadamard transform along the last dimension of a row-major matrix.
///
/// For x of shape (rows, cols) it computes x ← x·H with H = blockdiag(S_b·e, …), S_b the Sylvester
/// Hadamard matrix of order `block` (≡ `scipy.linalg.hadamard`) and e the entry scale, normally
/// 1/√block so H is orthogonal. H is symmetric, so with the orthogonal scale the transform is its
/// own inverse. It runs as an in-place fast Walsh–Hadamard transform: O(cols·log block) per row.
public struct BlockHadamard: Sendable, Equatable {
    /// The order of each diagonal block, a power of two.
    public let block: Int
    /// The magnitude of every entry of H.
    public let entry: Float

    /// The block the study uses when the width allows it (QuEST's 128).
    public static let defaultMaxBlock = 128

    /// H with blocks of order `block`; `bf16Entries` rounds 1/√block to bfloat16 as QuEST's
    /// reference does (±0.08837890625 for 128, so H·Hᵀ = 0.999786·I: docs/quantization.md §5.1).
    public init(block: Int, bf16Entries: Bool = false) throws {
        guard block > 0, block & (block - 1) == 0 else {
            throw QScopeError.badInput("Hadamard block must be a power of two (got \(block))")
        }
        self.init(powerOfTwo: block, bf16Entries: bf16Entries)
    }

    /// H for a block already known to be a power of two (as `largestBlock` returns).
    init(powerOfTwo block: Int, bf16Entries: Bool) {
        precondition(block > 0 && block & (block - 1) == 0, "Hadamard block \(block) is not a power of two")
        self.block = block
        let exact = Float(1 / Double(block).squareRoot())
        self.entry = bf16Entries ? BlockHadamard.roundToBF16(exact) : exact
    }

    /// The largest power of two ≤ `cap` that divides `cols` (48 → 16, 144 → 16, 256 → 128).
    public static func largestBlock(dividing cols: Int, cap: Int = defaultMaxBlock) -> Int {
        precondition(cols > 0 && cap > 0, "width and cap must be positive")
        var b = 1
        while b * 2 <= cap && cols % (b * 2) == 0 { b *= 2 }
        return b
    }

    /// x (rows, cols) ← x·H in place; `cols` must be a multiple of `block`.
    public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        precondition(cols % block == 0, "width \(cols) is not a multiple of the Hadamard block \(block)")
        for start in stride(from: 0, to: rows * cols, by: block) {
            let p = x + start
            // Sylvester butterflies: after the stage of half-width h every run of 2h values holds
            // S_2h times its input, so the last stage leaves S_block·x in natural order.
            if block >= 8 {
                for i in stride(from: 0, to: block, by: 8) { Self.firstThreeStages(p + i) }
                var h = 8
                while h < block {
                    for i in stride(from: 0, to: block, by: 2 * h) {
                        for j in stride(from: i, to: i + h, by: 8) { Self.butterfly8(p + j, p + j + h) }
                    }
                    h *= 2
                }
            } else {
                var h = 1
                while h < block {
                    for i in stride(from: 0, to: block, by: 2 * h) {
                        for j in i..<(i + h) {
                            let a = p[j], b = p[j + h]
                            p[j] = a + b
                            p[j + h] = a - b
                        }
                    }
                    h *= 2
                }
            }
            for j in 0..<block { p[j] *= entry }
        }
    }

    /// The stages h = 1, 2, 4 on 8 values, unrolled: the same sums in the same order as the
    /// general loop (so the same rounding), without its 1-, 2- and 4-long inner loops, which
    /// cost most of the transform's time on QAT's narrow blocks. One 8-lane store, so the next
    /// stage's 8-lane load is forwarded from it instead of stalling on narrower stores.
    @inline(__always)
    private static func firstThreeStages(_ p: UnsafeMutablePointer<Float>) {
        let x = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        let a0 = x[0] + x[1], a1 = x[0] - x[1], a2 = x[2] + x[3], a3 = x[2] - x[3]
        let a4 = x[4] + x[5], a5 = x[4] - x[5], a6 = x[6] + x[7], a7 = x[6] - x[7]
        let b0 = a0 + a2, b1 = a1 + a3, b2 = a0 - a2, b3 = a1 - a3
        let b4 = a4 + a6, b5 = a5 + a7, b6 = a4 - a6, b7 = a5 - a7
        let y = SIMD8<Float>(b0 + b4, b1 + b5, b2 + b6, b3 + b7, b0 - b4, b1 - b5, b2 - b6, b3 - b7)
        UnsafeMutableRawPointer(p).storeBytes(of: y, as: SIMD8<Float>.self)
    }

    /// (a, b) ← (a + b, a − b) on 8 lanes: one butterfly step of a stage with h ≥ 8.
    @inline(__always)
    private static func butterfly8(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>) {
        let x = UnsafeRawPointer(a).loadUnaligned(as: SIMD8<Float>.self)
        let y = UnsafeRawPointer(b).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(a).storeBytes(of: x + y, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(b).storeBytes(of: x - y, as: SIMD8<Float>.self)
    }

    /// y (rows, cols) = x·H; y may be x.
    public func apply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        if UnsafePointer(y) != x { y.update(from: x, count: rows * cols) }
        apply(y, rows: rows, cols: cols)
    }

    /// Round-to-nearest-even to bfloat16 (8 significant bits), returned as a Float.
    static func roundToBF16(_ v: Float) -> Float {
        let bits = v.bitPattern
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return Float(bitPattern: (bits &+ rounding) & 0xFFFF_0000)
    }
}
