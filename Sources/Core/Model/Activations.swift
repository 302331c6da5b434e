/// Every buffer one forward/backward pass needs for a fixed (B, T), allocated once.
///
/// Forward buffers are kept per block because the backward pass reads them; gradient buffers are
/// shared by all blocks, since backward visits one block at a time.
final class Activations {
    /// Per-block forward state. Shapes use N = B·T.
    final class Block {
        let input: Tensor      // (N, C) residual stream entering the block
        let q: Tensor          // (N, H·D) after RoPE and L2 norm (q̂)
        let k: Tensor          // (N, G·D) after RoPE and L2 norm (k̂)
        let v: Tensor          // (N, G·D)
        let qInvNorm: Tensor   // (N, H)
        let kInvNorm: Tensor   // (N, G)
        let probs: Tensor      // (B, H, T, T)
        let attnOut: Tensor    // (N, H·D) attention output before the o projection
        let attnProj: Tensor   // (N, C) o projection output, before its RMSNorm
        let attnRstd: Tensor   // (N)
        let mid: Tensor        // (N, C) residual after the attention sub-layer
        let up: Tensor         // (N, F) up projection, before relu²
        let act: Tensor        // (N, F) relu²(up)
        let down: Tensor       // (N, C) down projection, before its RMSNorm
        let mlpRstd: Tensor    // (N)

        init(_ c: ModelConfig, batch: Int, seq: Int) {
            let n = batch * seq
            input = Tensor(shape: [n, c.width])
            q = Tensor(shape: [n, c.heads * c.headDim])
            k = Tensor(shape: [n, c.kvWidth])
            v = Tensor(shape: [n, c.kvWidth])
            qInvNorm = Tensor(shape: [n, c.heads])
            kInvNorm = Tensor(shape: [n, c.kvHeads])
            probs = Tensor(shape: [batch, c.heads, seq, seq])
            attnOut = Tensor(shape: [n, c.heads * c.headDim])
            attnProj = Tensor(shape: [n, c.width])
            attnRstd = Tensor(shape: [n])
            mid = Tensor(shape: [n, c.width])
            up = Tensor(shape: [n, c.mlpWidth])
            act = Tensor(shape: [n, c.mlpWidth])
            down = Tensor(shape: [n, c.width])
            mlpRstd = Tensor(shape: [n])
        }
    }

    let blocks: [Block]
    let residualOut: Tensor  // (N, C) stream after the last block, input of the final norm
    let normed: Tensor       // (N, C) final RMSNorm output
    let normRstd: Tensor     // (N)
    let logits: Tensor       // (N, V); probabilities after the loss, then dlogits
    let losses: Tensor       // (N)

    // Gradient scratch shared by all blocks.
    let dResidual: Tensor    // (N, C) gradient of the residual stream
    let dBranch: Tensor      // (N, C) gradient of a sub-layer output before its norm
    let dAttnOut: Tensor     // (N, H·D)
    let dq: Tensor           // (N, H·D)
    let dk: Tensor           // (N, G·D)
    let dv: Tensor           // (N, G·D)
    let dScores: Tensor      // (T, T)
    let dUp: Tensor          // (N, F)
    let dAct: Tensor         // (N, F)
    /// QAT's fake-quantized inputs and masks; nil in full precision.
    var qat: QATActivations?

    init(config c: ModelConfig, batch: Int, seq: Int) {
        let n = batch * seq
        blocks = (0..<c.layers).map { _ in Block(c, batch: batch, seq: seq) }
        residualOut = Tensor(shape: [n, c.width])
        normed = Tensor(shape: [n, c.width])
        normRstd = Tensor(shape: [n])
        logits = Tensor(shape: [n, c.vocab])
        losses = Tensor(shape: [n])
        dResidual = Tensor(shape: [n, c.width])
        dBranch = Tensor(shape: [n, c.width])
        dAttnOut = Tensor(shape: [n, c.heads * c.headDim])
        dq = Tensor(shape: [n, c.heads * c.headDim])
        dk = Tensor(shape: [n, c.kvWidth])
        dv = Tensor(shape: [n, c.kvWidth])
        dScores = Tensor(shape: [seq, seq])
        dUp = Tensor(shape: [n, c.mlpWidth])
        dAct = Tensor(shape: [n, c.mlpWidth])
    }

    /// Bytes held by all buffers.
    var byteCount: Int {
        let perBlock = blocks.first.map { b in
            [b.input, b.q, b.k, b.v, b.qInvNorm, b.kInvNorm, b.probs, b.attnOut, b.attnProj,
             b.attnRstd, b.mid, b.up, b.act, b.down, b.mlpRstd].reduce(0) { $0 + $1.count }
        } ?? 0
        let shared = [residualOut, normed, normRstd, logits, losses, dResidual, dBranch, dAttnOut,
                      dq, dk, dv, dScores, dUp, dAct].reduce(0) { $0 + $1.count }
        return (perBlock * blocks.count + shared) * MemoryLayout<Float>.stride + (qat?.byteCount ?? 0)
    }
}

/// One fake-quantized linear input, kept from forward for backward.
final class QuantizedInput {
    let values: Tensor       // (N, I) the input the matmul multiplied
    let mask: Tensor?        // (N, I) the quantizer's mask, if it keeps one

    init(rows: Int, cols: Int, mask: Bool) {
        values = Tensor(shape: [rows, cols])
        self.mask = mask ? Tensor(shape: [rows, cols]) : nil
    }

    var count: Int { values.count + (mask?.count ?? 0) }
}

/// The buffers QAT adds to a model's activations, allocated once when QAT is set.
final class QATActivations {
    /// One block's quantized linear inputs: q, k and v share one (they read the same x).
    final class Block {
        let attn: QuantizedInput   // (N, C) input of q, k, v
        let o: QuantizedInput      // (N, H·D)
        let up: QuantizedInput     // (N, C)
        let down: QuantizedInput   // (N, F)

        init(_ c: ModelConfig, n: Int, masks: Bool) {
            attn = QuantizedInput(rows: n, cols: c.width, mask: masks)
            o = QuantizedInput(rows: n, cols: c.heads * c.headDim, mask: masks)
            up = QuantizedInput(rows: n, cols: c.width, mask: masks)
            down = QuantizedInput(rows: n, cols: c.mlpWidth, mask: masks)
        }

        subscript(kind: LinearKind) -> QuantizedInput {
            switch kind {
            case .q, .k, .v: return attn
            case .o: return o
            case .up: return up
            case .down: return down
            }
        }
    }

    let blocks: [Block]
    /// (N, C) gradient of a quantized input that feeds the residual stream (q/k/v's, up's),
    /// before the quantizer's backward maps it and it is added to the stream's gradient.
    let dInput: Tensor

    init(config c: ModelConfig, batch: Int, seq: Int, masks: Bool) {
        let n = batch * seq
        blocks = (0..<c.layers).map { _ in Block(c, n: n, masks: masks) }
        dInput = Tensor(shape: [n, c.width])
    }

    var byteCount: Int {
        (blocks.reduce(dInput.count) { $0 + $1.attn.count + $1.o.count + $1.up.count + $1.down.count })
            * MemoryLayout<Float>.stride
    }
}
