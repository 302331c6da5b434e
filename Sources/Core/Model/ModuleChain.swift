/// The model's forward pass as an ordered chain of fine-grained modules, each evaluable on its
/// own, in full precision or quantized (docs/analysis.md §3.1, docs/quantization.md §7).
///
/// The state between modules is a set of named activations ("slots", each (N, width)): the
/// residual stream, the q/k/v projections, the attention output, and so on. A module reads one
/// or more slots and writes one. Training keeps the fused `Transformer.forward`; the analysis
/// walks this chain one module at a time through the same layer functions, so both compute the
/// same numbers (a test checks the logits agree).
///
/// Per block, in order (`·input_quant` only when inputs are quantized):
///
///     attn.qkv.input_quant  x → x̃      (q, k and v read one tensor, so share one quantizer)
///     attn.q / k / v    x̃ → q, k, v
///     attn.core         q, k, v → a    (RoPE, QK-norm, softmax, weighted sum: one unit)
///     attn.o.input_quant, attn.o, attn_norm, attn_residual (x + norm → mid)
///     mlp.up.input_quant, mlp.up, mlp.act (relu²), mlp.down.input_quant, mlp.down,
///     mlp_norm, mlp_residual (mid + norm → next x)
///
/// then the final `norm` and the tied `head` (logits).
public final class ModuleChain {
    /// One module: what it reads and writes and which function it applies.
    public struct Module: Sendable {
        public let name: String
        public let kind: ModuleKind
        public let layer: Int?
        /// Slots read, in order (the residual add reads two, attention three).
        public let inputs: [Int]
        public let output: Int
        /// The weight's parameter name for linear modules and the head.
        public let weight: String?
        /// False when quantization leaves the module's function unchanged (f_q = f).
        public let isQuantized: Bool
    }

    public let config: ModelConfig
    public let layout: ParameterLayout
    public let batch: Int
    public let seq: Int
    public internal(set) var modules: [Module] = []
    /// Width of each slot; slot 0 is the embedding output.
    public internal(set) var slotWidths: [Int] = []
    /// The module after which each slot is no longer read (nil: never read, i.e. the logits).
    public internal(set) var lastReader: [Int?] = []

    private let weights: UnsafePointer<Float>
    private let quantizedWeights: Tensor
    /// The input quantizer of each `.inputQuant` module, by module index.
    var inputQuantizers: [Int: RoundToNearest] = [:]
    private let rope: RoPE
    private let probs: Tensor    // (B, H, T, T)
    private let qk: Tensor       // (N, (H + G)·D) rotated, normalised copies of q and k
    private let invNorms: Tensor // (N, H + G)
    private let rstd: Tensor     // (N)

    /// A chain over `parameters` (layout order, not copied: keep it alive and unchanged while
    /// using the chain). `weight` fake-quantizes the six block linears (and the head with
    /// `quantizeHead`); `input` quantizes their inputs per token. Nil leaves that side exact.
    public convenience init(config: ModelConfig, parameters: Tensor, batch: Int, seq: Int, weight: RoundToNearest?,
                            input: RoundToNearest?, quantizeHead: Bool = false) {
        let plan = QuantPlan.uniform(LinearID.all(in: config), weight: weight, input: input)
        self.init(config: config, parameters: parameters, batch: batch, seq: seq,
                  plan: plan.withHead(weight: quantizeHead ? weight : nil, input: nil))
    }

    /// A chain over `parameters` quantized by `plan`, layer by layer: its RTN weights, its
    /// inputs (per token) and its head. The quantized track's weights start from
    /// `quantizedParameters` (default `parameters`), which must already hold the plan's
    /// `prequantized` (GPTQ) weights. q, k and v share one input quantizer when theirs are equal,
    /// unless `separateInputs` asks for one each (to attribute each layer's input error to it).
    public init(config: ModelConfig, parameters: Tensor, batch: Int, seq: Int, plan: QuantPlan,
                quantizedParameters: Tensor? = nil, separateInputs: Bool = false) {
        self.config = config
        self.batch = batch
        self.seq = seq
        layout = ParameterLayout(config: config)
        precondition(parameters.count == layout.totalCount, "parameters do not match the layout")
        weights = UnsafePointer(parameters.data)
        quantizedWeights = Tensor(shape: parameters.shape)
        quantizedWeights.copy(from: quantizedParameters ?? parameters)
        rope = RoPE(seq: seq, headDim: config.headDim, base: config.ropeBase)
        let n = batch * seq
        probs = Tensor(shape: [batch, config.heads, seq, seq])
        qk = Tensor(shape: [n, config.heads * config.headDim + config.kvWidth])
        invNorms = Tensor(shape: [n, config.heads + config.kvHeads])
        rstd = Tensor(shape: [n])
        build(plan: plan, separateInputs: separateInputs)
        layout.roundWeights(plan.weights, in: quantizedWeights)
        if let head = plan.head.weight {
            let info = layout.info(named: "wte")!
            let p = quantizedWeights.data + info.offset
            head.apply(p, into: p, rows: info.shape[0], cols: info.shape[1])
        }
    }

    /// Rows of every slot: N = B·T tokens.
    public var rows: Int { batch * seq }

    /// The weight (out, in) a linear module or the head uses, exact or quantized.
    public func weight(of module: Module, quantized: Bool) -> UnsafePointer<Float> {
        let offset = layout.info(named: module.weight!)!.offset
        return quantized && module.isQuantized ? UnsafePointer(quantizedWeights.data) + offset : weights + offset
    }

    /// out (N, C) = the token embedding of `tokens` (B, T): the chain's slot 0.
    public func embed(tokens: UnsafePointer<Int32>, into out: UnsafeMutablePointer<Float>) {
        Embedding.forward(out: out, tokens: tokens, wte: weights + layout.info(named: "wte")!.offset, n: rows,
                          c: config.width)
    }

    /// out (N, width of the module's output) = f(inputs), or f_q(inputs) when `quantized`.
    /// `inputs` are the module's input slots, in `Module.inputs` order; none may alias `out`.
    public func evaluate(_ index: Int, inputs: [UnsafePointer<Float>], quantized: Bool,
                         into out: UnsafeMutablePointer<Float>) {
        let m = modules[index], c = config, n = rows
        let q = quantized && m.isQuantized
        switch m.kind {
        case .inputQuant:
            let width = slotWidths[m.output]
            if q, let quantizer = inputQuantizers[index] {
                quantizer.apply(inputs[0], into: out, rows: n, cols: width)
            } else {
                out.update(from: inputs[0], count: n * width)
            }
        case .linear, .head:
            let info = layout.info(named: m.weight!)!
            Linear.forward(out: out, inp: inputs[0], weight: weight(of: m, quantized: q), n: n,
                           inFeatures: info.shape[1], outFeatures: info.shape[0])
        case .attention:
            attention(q: inputs[0], k: inputs[1], v: inputs[2], scale: weights + offset(m, "attn.qk_scale"), into: out)
        case .norm:
            let gain = weights + layout.info(named: m.weight!)!.offset
            RMSNorm.forward(out: out, rstd: rstd.data, inp: inputs[0], gain: gain, n: n, c: c.width, eps: c.normEps)
        case .activation:
            ReLUSquared.forward(out: out, inp: inputs[0], count: n * c.mlpWidth)
        case .residual:
            out.update(from: inputs[0], count: n * c.width)
            Kernels.add(inputs[1], into: out, count: n * c.width)
        }
    }

    private func offset(_ m: Module, _ suffix: String) -> Int {
        layout.info(named: "blocks.\(m.layer!).\(suffix)")!.offset
    }

    /// The attention core as `Transformer.forward` runs it, on copies of q and k (RoPE and the
    /// L2 norm work in place, and the inputs must stay untouched for the other evaluations).
    private func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                           scale: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let c = config, n = rows, qWidth = c.heads * c.headDim
        let qCopy = qk.data, kCopy = qk.data + n * qWidth
        qCopy.update(from: q, count: n * qWidth)
        kCopy.update(from: k, count: n * c.kvWidth)
        rope.apply(qCopy, batch: batch, heads: c.heads)
        rope.apply(kCopy, batch: batch, heads: c.kvHeads)
        Attention.l2NormalizeForward(qCopy, invNorm: invNorms.data, vectors: n * c.heads, dim: c.headDim)
        Attention.l2NormalizeForward(kCopy, invNorm: invNorms.data + n * c.heads, vectors: n * c.kvHeads,
                                     dim: c.headDim)
        Attention.forward(out: out, probs: probs.data, q: qCopy, k: kCopy, v: v, scale: scale,
                          shape: AttentionShape(batch: batch, seq: seq, heads: c.heads, kvHeads: c.kvHeads,
                                                headDim: c.headDim))
    }
}
