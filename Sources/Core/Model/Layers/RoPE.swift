/// Rotary position embedding on interleaved pairs (x[2i], x[2i+1]), as in the study's code.
///
/// Pair i of a head at position t turns by t·base^(−2i/D). The table is built once per (T, D);
/// the backward pass is the inverse rotation, since rotations are orthogonal.
public struct RoPE: Sendable {
    public let seq: Int
    public let headDim: Int
    private let cosTable: [Float]  // (T, D/2)
    private let sinTable: [Float]  // (T, D/2)

    public init(seq: Int, headDim: Int, base: Float) {
        self.seq = seq
        self.headDim = headDim
        let half = headDim / 2
        var c = [Float](repeating: 0, count: seq * half)
        var s = c
        for t in 0..<seq {
            for i in 0..<half {
                let theta = Math.pow(Double(base), -2 * Double(i) / Double(headDim))
                let angle = Double(t) * theta
                c[t * half + i] = Float(Math.cos(angle))
                s[t * half + i] = Float(Math.sin(angle))
            }
        }
        cosTable = c
        sinTable = s
    }

    /// Rotates x (B, T, heads, D) in place; `inverse` turns the other way (the backward pass).
    public func apply(_ x: UnsafeMutablePointer<Float>, batch: Int, heads: Int, inverse: Bool = false) {
        let half = headDim / 2
        let sign: Float = inverse ? -1 : 1
        cosTable.withUnsafeBufferPointer { cosT in
            sinTable.withUnsafeBufferPointer { sinT in
                for b in 0..<batch {
                    for t in 0..<seq {
                        let row = x + (b * seq + t) * heads * headDim
                        let cs = cosT.baseAddress! + t * half, sn = sinT.baseAddress! + t * half
                        for h in 0..<heads {
                            let v = row + h * headDim
                            for i in 0..<half {
                                let x0 = v[2 * i], x1 = v[2 * i + 1]
                                let s = sign * sn[i]
                                v[2 * i] = x0 * cs[i] - x1 * s
                                v[2 * i + 1] = x0 * s + x1 * cs[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
