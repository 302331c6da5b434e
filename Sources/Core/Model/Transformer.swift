/// The study's OLMo2-style decoder over flat buffers, llm.c style: one forward and one backward
/// pass over preallocated activations, for a fixed batch (B) and sequence length (T).
///
/// Block: Y = X + RMSNorm(Attn(X)), Z = Y + RMSNorm(MLP(Y)) (norm on the sub-layer output);
/// then a final RMSNorm and the head, tied to the embedding (docs/model.md §2).
public final class Transformer {
    public let config: ModelConfig
    public let layout: ParameterLayout
    public let batch: Int
    public let seq: Int
    /// All parameters, in `layout` order.
    public let parameters: Tensor
    /// ∂loss/∂parameters after `backward()`, same layout.
    public let gradients: Tensor
    /// Input tokens (B, T); the data loader writes here before `forward`.
    public let tokens: UnsafeMutableBufferPointer<Int32>
    /// Next-token targets (B, T).
    public let targets: UnsafeMutableBufferPointer<Int32>

    let acts: Activations
    /// Set by `setQuantPlan`: quantized weights and input scratch for evaluation.
    var quantizedForward: QuantizedForward?
    /// Set by `setQAT`: the fake-quantized weights training multiplies by.
    var qat: QATState?
    /// Sees every linear layer's input (N rows of its in-features) during `forward`, before any
    /// quantization: the activation tap the analysis builds on.
    public var inputTap: ((LinearID, UnsafePointer<Float>, Int, Int) -> Void)?
    /// The bf16 kernels' scratch (one product at a time: one shard, one thread); nil at fp32.
    private var bf16: BF16Scratch?
    /// The products of forward and backward (`setPrecision`); fp32 until set.
    public var matmul: Matmul { bf16?.matmul ?? .fp32 }
    private let rope: RoPE
    private let blockOffsets: [BlockOffsets]
    private let wteOffset: Int
    private let normGainOffset: Int

    /// Where each block's parameters start in the flat buffer.
    struct BlockOffsets {
        let q, k, v, o, qkScale, attnGain, up, down, mlpGain: Int
    }

    /// A model for batches of (batch, seq). With `sharing`, the parameters are that tensor (not
    /// copied): data-parallel shards read one set of weights and keep their own gradients.
    public init(config: ModelConfig, batch: Int, seq: Int, sharing shared: Tensor? = nil) throws {
        try config.validate()
        guard batch > 0, seq > 1 else {
            throw QScopeError.badInput("batch must be at least 1 and sequence length at least 2")
        }
        self.config = config
        self.batch = batch
        self.seq = seq
        layout = ParameterLayout(config: config)
        if let shared {
            precondition(shared.count == layout.totalCount, "shared parameters do not match the layout")
            parameters = shared
        } else {
            parameters = Tensor(shape: [layout.totalCount])
        }
        gradients = Tensor(shape: [layout.totalCount])
        tokens = .allocate(capacity: batch * seq)
        targets = .allocate(capacity: batch * seq)
        tokens.initialize(repeating: 0)
        targets.initialize(repeating: 0)
        acts = Activations(config: config, batch: batch, seq: seq)
        rope = RoPE(seq: seq, headDim: config.headDim, base: config.ropeBase)
        let l = layout
        func offset(_ name: String) -> Int { l.info(named: name)!.offset }
        wteOffset = offset("wte")
        normGainOffset = offset("norm.gain")
        blockOffsets = (0..<config.layers).map { i in
            let p = "blocks.\(i)."
            return BlockOffsets(
                q: offset(p + "attn.q"), k: offset(p + "attn.k"), v: offset(p + "attn.v"),
                o: offset(p + "attn.o"), qkScale: offset(p + "attn.qk_scale"),
                attnGain: offset(p + "attn_norm.gain"), up: offset(p + "mlp.up"),
                down: offset(p + "mlp.down"), mlpGain: offset(p + "mlp_norm.gain"))
        }
    }

    deinit {
        tokens.deallocate()
        targets.deallocate()
    }

    /// Multiplies at `precision` from the next `forward` on; `kernel` picks the bf16 kernel (a
    /// test's choice, else the fastest this process has).
    public func setPrecision(_ precision: MatmulPrecision, kernel: BF16Kernel = .best) {
        // Every product here has each dimension at most the largest of rows, widths, vocab, T.
        let c = config, largest = max(batch * seq, c.mlpWidth, c.vocab, c.width, c.heads * c.headDim, seq)
        bf16 = precision == .bf16 ? BF16Scratch(kernel: kernel, rows: largest, cols: largest, inner: largest) : nil
    }

    /// Bytes of activation and gradient scratch held for this (B, T).
    public var activationBytes: Int { acts.byteCount }

    /// The study's initialisation: N(0, 0.02) for the embedding and every linear weight, norm
    /// gains 1, QK scales √D.
    public func initialize(rng: inout RNG) {
        for p in layout.parameters {
            let slice = UnsafeMutableBufferPointer(start: parameters.data + p.offset, count: p.count)
            switch p.role {
            case .hidden, .embedding:
                rng.fillGaussian(slice, std: 0.02)
            case .vector:
                let value: Float = p.name.hasSuffix("qk_scale") ? Float(config.headDim).squareRoot() : 1
                slice.update(repeating: value)
            }
        }
    }

    private var attentionShape: AttentionShape {
        AttentionShape(batch: batch, seq: seq, heads: config.heads, kvHeads: config.kvHeads,
                       headDim: config.headDim)
    }

    /// Runs the model on `tokens` and returns the mean cross-entropy against `targets` (nats).
    /// Afterwards the logits buffer holds probabilities, ready for `backward()`.
    @discardableResult
    public func forward() -> Double {
        if let qat, qat.refreshes { qat.weights.refresh(from: parameters) }
        let c = config, n = batch * seq
        let w = qat?.weights.values.data ?? quantizedForward?.weights.data ?? parameters.data
        let qw = c.heads * c.headDim
        let firstInput = acts.blocks.first?.input ?? acts.residualOut
        Embedding.forward(out: firstInput.data, tokens: tokens.baseAddress!, wte: w + wteOffset,
                          n: n, c: c.width)
        for (l, blk) in acts.blocks.enumerated() {
            let o = blockOffsets[l]
            let x = blk.input.data
            let output = l + 1 < acts.blocks.count ? acts.blocks[l + 1].input.data : acts.residualOut.data
            // Attention sub-layer.
            func input(_ kind: LinearKind, _ x: UnsafePointer<Float>, _ width: Int) -> UnsafePointer<Float> {
                linearInput(LinearID(layer: l, kind: kind), x, width: width)
            }
            Linear.forward(out: blk.q.data, inp: input(.q, x, c.width), weight: w + o.q, n: n, inFeatures: c.width, outFeatures: qw, matmul: matmul)
            Linear.forward(out: blk.k.data, inp: input(.k, x, c.width), weight: w + o.k, n: n, inFeatures: c.width,
                           outFeatures: c.kvWidth, matmul: matmul)
            Linear.forward(out: blk.v.data, inp: input(.v, x, c.width), weight: w + o.v, n: n, inFeatures: c.width,
                           outFeatures: c.kvWidth, matmul: matmul)
            rope.apply(blk.q.data, batch: batch, heads: c.heads)
            rope.apply(blk.k.data, batch: batch, heads: c.kvHeads)
            Attention.l2NormalizeForward(blk.q.data, invNorm: blk.qInvNorm.data, vectors: n * c.heads, dim: c.headDim)
            Attention.l2NormalizeForward(blk.k.data, invNorm: blk.kInvNorm.data, vectors: n * c.kvHeads, dim: c.headDim)
            Attention.forward(out: blk.attnOut.data, probs: blk.probs.data, q: blk.q.data, k: blk.k.data,
                              v: blk.v.data, scale: w + o.qkScale, shape: attentionShape, matmul: matmul)
            Linear.forward(out: blk.attnProj.data, inp: input(.o, blk.attnOut.data, qw), weight: w + o.o, n: n,
                           inFeatures: qw, outFeatures: c.width, matmul: matmul)
            RMSNorm.forward(out: blk.mid.data, rstd: blk.attnRstd.data, inp: blk.attnProj.data,
                            gain: w + o.attnGain, n: n, c: c.width, eps: c.normEps)
            Kernels.add(x, into: blk.mid.data, count: n * c.width)
            // MLP sub-layer.
            Linear.forward(out: blk.up.data, inp: input(.up, blk.mid.data, c.width), weight: w + o.up, n: n,
                           inFeatures: c.width, outFeatures: c.mlpWidth, matmul: matmul)
            ReLUSquared.forward(out: blk.act.data, inp: blk.up.data, count: n * c.mlpWidth)
            Linear.forward(out: blk.down.data, inp: input(.down, blk.act.data, c.mlpWidth), weight: w + o.down, n: n,
                           inFeatures: c.mlpWidth, outFeatures: c.width, matmul: matmul)
            RMSNorm.forward(out: output, rstd: blk.mlpRstd.data, inp: blk.down.data,
                            gain: w + o.mlpGain, n: n, c: c.width, eps: c.normEps)
            Kernels.add(blk.mid.data, into: output, count: n * c.width)
        }
        RMSNorm.forward(out: acts.normed.data, rstd: acts.normRstd.data, inp: acts.residualOut.data,
                        gain: w + normGainOffset, n: n, c: c.width, eps: c.normEps)
        let head = headOperands(table: w + wteOffset, normed: acts.normed.data)
        Linear.forward(out: acts.logits.data, inp: head.input, weight: head.weight, n: n,
                       inFeatures: c.width, outFeatures: c.vocab, matmul: matmul)
        return CrossEntropy.forward(logits: acts.logits.data, losses: acts.losses.data,
                                    targets: targets.baseAddress!, n: n, v: c.vocab)
    }

    /// Fills `gradients` with ∂(mean loss)/∂parameters for the last `forward()`.
    ///
    /// Under QAT each block linear's backward pairs its output gradient with the fake-quantized
    /// weight and input the forward pass multiplied, then maps both gradients through the
    /// quantizer's backward (STE, or trust mask and Hᵀ).
    public func backward() {
        let c = config, n = batch * seq, g = gradients.data
        let w = qat?.weights.values.data ?? parameters.data
        let qw = c.heads * c.headDim
        // QAT computes the gradient of a quantized input that feeds the residual stream apart from
        // the stream's gradient, which it joins after the quantizer's backward.
        let dQuantized = acts.qat?.dInput.data
        gradients.zero()
        CrossEntropy.backward(probs: acts.logits.data, targets: targets.baseAddress!, n: n, v: c.vocab)
        let dRes = acts.dResidual.data, dBranch = acts.dBranch.data
        // Head (tied): dwte = dlogitsᵀ·normed, d(normed) = dlogits·wte.
        Linear.backward(dinp: dBranch, dweight: g + wteOffset, dout: acts.logits.data,
                        inp: acts.normed.data, weight: w + wteOffset, n: n, inFeatures: c.width,
                        outFeatures: c.vocab, matmul: matmul)
        acts.dResidual.zero()
        RMSNorm.backward(dinp: dRes, dgain: g + normGainOffset, dout: dBranch, inp: acts.residualOut.data,
                         gain: w + normGainOffset, rstd: acts.normRstd.data, n: n, c: c.width)
        for l in stride(from: acts.blocks.count - 1, through: 0, by: -1) {
            let blk = acts.blocks[l], o = blockOffsets[l]
            func id(_ kind: LinearKind) -> LinearID { LinearID(layer: l, kind: kind) }
            // MLP sub-layer: out = mid + RMSNorm(down); dRes already carries the pass-through.
            acts.dBranch.zero()
            RMSNorm.backward(dinp: dBranch, dgain: g + o.mlpGain, dout: dRes, inp: blk.down.data,
                             gain: w + o.mlpGain, rstd: blk.mlpRstd.data, n: n, c: c.width)
            Linear.backward(dinp: acts.dAct.data, dweight: g + o.down, dout: dBranch,
                            inp: savedInput(id(.down), blk.act.data), weight: w + o.down, n: n,
                            inFeatures: c.mlpWidth, outFeatures: c.width, matmul: matmul)
            qatWeightBackward(id(.down), g + o.down, offset: o.down, rows: c.width, cols: c.mlpWidth)
            qatInputBackward(id(.down), acts.dAct.data, width: c.mlpWidth)
            ReLUSquared.backward(dinp: acts.dUp.data, dout: acts.dAct.data, inp: blk.up.data,
                                 count: n * c.mlpWidth)
            Linear.backward(dinp: dQuantized ?? dRes, dweight: g + o.up, dout: acts.dUp.data,
                            inp: savedInput(id(.up), blk.mid.data), weight: w + o.up, n: n, inFeatures: c.width,
                            outFeatures: c.mlpWidth, accumulateInput: dQuantized == nil, matmul: matmul)
            qatWeightBackward(id(.up), g + o.up, offset: o.up, rows: c.mlpWidth, cols: c.width)
            if let dQuantized { qatInputBackward(id(.up), dQuantized, width: c.width, accumulate: dRes) }
            // Attention sub-layer: mid = x + RMSNorm(attnProj).
            acts.dBranch.zero()
            RMSNorm.backward(dinp: dBranch, dgain: g + o.attnGain, dout: dRes, inp: blk.attnProj.data,
                             gain: w + o.attnGain, rstd: blk.attnRstd.data, n: n, c: c.width)
            Linear.backward(dinp: acts.dAttnOut.data, dweight: g + o.o, dout: dBranch,
                            inp: savedInput(id(.o), blk.attnOut.data), weight: w + o.o, n: n, inFeatures: qw,
                            outFeatures: c.width, matmul: matmul)
            qatWeightBackward(id(.o), g + o.o, offset: o.o, rows: c.width, cols: qw)
            qatInputBackward(id(.o), acts.dAttnOut.data, width: qw)
            Attention.backward(dq: acts.dq.data, dk: acts.dk.data, dv: acts.dv.data,
                               dscale: g + o.qkScale, dout: acts.dAttnOut.data, probs: blk.probs.data,
                               q: blk.q.data, k: blk.k.data, v: blk.v.data, scale: w + o.qkScale,
                               scratch: acts.dScores.data, shape: attentionShape, matmul: matmul)
            Attention.l2NormalizeBackward(acts.dq.data, normalized: blk.q.data, invNorm: blk.qInvNorm.data,
                                          vectors: n * c.heads, dim: c.headDim)
            Attention.l2NormalizeBackward(acts.dk.data, normalized: blk.k.data, invNorm: blk.kInvNorm.data,
                                          vectors: n * c.kvHeads, dim: c.headDim)
            rope.apply(acts.dq.data, batch: batch, heads: c.heads, inverse: true)
            rope.apply(acts.dk.data, batch: batch, heads: c.kvHeads, inverse: true)
            // q, k and v share one input, so their input gradients sum before its quantizer's backward.
            let x = savedInput(id(.q), blk.input.data), dx = dQuantized ?? dRes
            Linear.backward(dinp: dx, dweight: g + o.q, dout: acts.dq.data, inp: x, weight: w + o.q,
                            n: n, inFeatures: c.width, outFeatures: qw, accumulateInput: dQuantized == nil, matmul: matmul)
            Linear.backward(dinp: dx, dweight: g + o.k, dout: acts.dk.data, inp: x, weight: w + o.k,
                            n: n, inFeatures: c.width, outFeatures: c.kvWidth, accumulateInput: true, matmul: matmul)
            Linear.backward(dinp: dx, dweight: g + o.v, dout: acts.dv.data, inp: x, weight: w + o.v,
                            n: n, inFeatures: c.width, outFeatures: c.kvWidth, accumulateInput: true, matmul: matmul)
            qatWeightBackward(id(.q), g + o.q, offset: o.q, rows: qw, cols: c.width)
            qatWeightBackward(id(.k), g + o.k, offset: o.k, rows: c.kvWidth, cols: c.width)
            qatWeightBackward(id(.v), g + o.v, offset: o.v, rows: c.kvWidth, cols: c.width)
            if let dQuantized { qatInputBackward(id(.q), dQuantized, width: c.width, accumulate: dRes) }
        }
        Embedding.backward(dwte: g + wteOffset, dout: dRes, tokens: tokens.baseAddress!, n: n, c: c.width)
    }

    /// The per-position losses of the last `forward()` (N = B·T).
    public var positionLosses: UnsafeBufferPointer<Float> { UnsafeBufferPointer(acts.losses.buffer) }

    /// The logits buffer: logits during forward, probabilities after it, dlogits after backward.
    public var outputBuffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(acts.logits.buffer) }
}
