/// Causal multi-head attention core with QK-norm and GQA: everything between the q/k/v
/// projections and the output projection.
///
/// q and k are L2-normalised per head (nGPT-style QK-norm) and the logits scaled by a learnable
/// per-head scale s_h: logits = s_h · q̂·k̂ (docs/model.md §2.4). Head h reads kv group h / (H/G).
/// Shapes: q (B, T, H, D), k and v (B, T, G, D), probabilities (B, H, T, T), out (B, T, H, D).
public struct AttentionShape: Sendable {
    public let batch: Int, seq: Int, heads: Int, kvHeads: Int, headDim: Int

    public init(batch: Int, seq: Int, heads: Int, kvHeads: Int, headDim: Int) {
        self.batch = batch
        self.seq = seq
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    var qWidth: Int { heads * headDim }
    var kvWidth: Int { kvHeads * headDim }
    var headsPerGroup: Int { heads / kvHeads }
}

public enum Attention {
    /// Normalises each D-vector of x (rows·heads of them) in place; invNorm (rows, heads) keeps
    /// 1/max(‖x‖, 1e-12) for the backward pass (the epsilon of PyTorch's F.normalize).
    public static func l2NormalizeForward(_ x: UnsafeMutablePointer<Float>, invNorm: UnsafeMutablePointer<Float>,
                                          vectors: Int, dim: Int) {
        for i in 0..<vectors {
            let v = x + i * dim
            let norm = Kernels.dot(v, v, count: dim).squareRoot()
            let inv = 1 / (norm > 1e-12 ? norm : 1e-12)
            invNorm[i] = inv
            Kernels.scale(v, by: inv, count: dim)
        }
    }

    /// In place: dx̂ (vectors, D) becomes dx = (dx̂ − x̂ (x̂·dx̂)) / ‖x‖, given x̂ and 1/‖x‖.
    public static func l2NormalizeBackward(_ grad: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>,
                                           invNorm: UnsafePointer<Float>, vectors: Int, dim: Int) {
        for i in 0..<vectors {
            let g = grad + i * dim, y = normalized + i * dim
            let d = Kernels.dot(y, g, count: dim)
            let inv = invNorm[i]
            for j in 0..<dim { g[j] = (g[j] - y[j] * d) * inv }
        }
    }

    /// out (B, T, H·D) = softmax(s_h · q̂ k̂ᵀ, causal) · v; probs (B, H, T, T) are kept for backward
    /// (zero above the diagonal). q̂ and k̂ must already be normalised.
    public static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                               scale: UnsafePointer<Float>, shape s: AttentionShape, matmul: Matmul = .fp32) {
        let t = s.seq, d = s.headDim
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let g = h / s.headsPerGroup
                let qh = q + b * t * s.qWidth + h * d
                let kg = k + b * t * s.kvWidth + g * d
                let vg = v + b * t * s.kvWidth + g * d
                let p = probs + (b * s.heads + h) * t * t
                matmul.gemm(transA: false, transB: true, m: t, n: t, k: d, alpha: scale[h],
                          a: qh, lda: s.qWidth, b: kg, ldb: s.kvWidth, c: p, ldc: t)
                causalSoftmaxRows(p, seq: t)
                matmul.gemm(transA: false, transB: false, m: t, n: d, k: t, a: p, lda: t,
                          b: vg, ldb: s.kvWidth, c: out + b * t * s.qWidth + h * d, ldc: s.qWidth)
            }
        }
    }

    /// Row i of p (T, T): softmax over columns 0...i, zeros after.
    @inline(__always)
    static func causalSoftmaxRows(_ p: UnsafeMutablePointer<Float>, seq t: Int) {
        for i in 0..<t {
            let row = p + i * t
            let sum = Kernels.expShiftedInPlace(row, count: i + 1, shift: Kernels.max(row, count: i + 1))
            Kernels.scale(row, by: 1 / sum, count: i + 1)
            if i + 1 < t { (row + i + 1).update(repeating: 0, count: t - i - 1) }
        }
    }

    /// Backward of `forward`: from dout (B, T, H·D) writes dq̂ (B, T, H·D), dk̂ and dv (B, T, G·D)
    /// and adds into dscale (H). `scratch` holds one (T, T) matrix.
    public static func backward(dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
                                dv: UnsafeMutablePointer<Float>, dscale: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                                q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                                scale: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                shape s: AttentionShape, matmul: Matmul = .fp32) {
        let t = s.seq, d = s.headDim
        let kvCount = s.batch * t * s.kvWidth
        dk.update(repeating: 0, count: kvCount)
        dv.update(repeating: 0, count: kvCount)
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let g = h / s.headsPerGroup
                let qOffset = b * t * s.qWidth + h * d
                let kvOffset = b * t * s.kvWidth + g * d
                let p = probs + (b * s.heads + h) * t * t
                let dp = scratch
                // dP = dout_h · v_gᵀ ; dv_g += Pᵀ · dout_h
                matmul.gemm(transA: false, transB: true, m: t, n: t, k: d, a: dout + qOffset,
                          lda: s.qWidth, b: v + kvOffset, ldb: s.kvWidth, c: dp, ldc: t)
                matmul.gemm(transA: true, transB: false, m: t, n: d, k: t, a: p, lda: t,
                          b: dout + qOffset, ldb: s.qWidth, beta: 1, c: dv + kvOffset, ldc: s.kvWidth)
                // dS = P ⊙ (dP − rowsum(P ⊙ dP)), the softmax Jacobian; zero above the diagonal.
                for i in 0..<t {
                    let pr = p + i * t, dr = dp + i * t
                    var rowDot: Float = 0
                    for j in 0...i { rowDot += pr[j] * dr[j] }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - rowDot) }
                    if i + 1 < t { (dr + i + 1).update(repeating: 0, count: t - i - 1) }
                }
                // With S = s_h·q̂k̂ᵀ: ∂/∂q̂ = s_h·dS·k̂, ∂/∂k̂ = s_h·dSᵀ·q̂, ∂/∂s_h = Σ dS ⊙ q̂k̂ᵀ.
                let dqh = dq + qOffset
                matmul.gemm(transA: false, transB: false, m: t, n: d, k: t, a: dp, lda: t,
                          b: k + kvOffset, ldb: s.kvWidth, c: dqh, ldc: s.qWidth)
                var ds: Float = 0
                for i in 0..<t { ds += Kernels.dot(q + qOffset + i * s.qWidth, dqh + i * s.qWidth, count: d) }
                dscale[h] += ds
                for i in 0..<t { Kernels.scale(dqh + i * s.qWidth, by: scale[h], count: d) }
                matmul.gemm(transA: true, transB: false, m: t, n: d, k: t, alpha: scale[h], a: dp, lda: t,
                          b: q + qOffset, ldb: s.qWidth, beta: 1, c: dk + kvOffset, ldc: s.kvWidth)
            }
        }
    }
}
