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
        return (perBlock * blocks.count + shared) * MemoryLayout<Float>.stride
    }
}
