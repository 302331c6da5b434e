/// The shape of an OLMo2-style decoder (docs/model.md §2–§3) and the study's named sizes.
///
/// Vocabulary: V; width: C; blocks: L; heads: H; kv heads: G (GQA); head dim D = C/H;
/// MLP width F = 4C. Invariants (checked by `validate`): H divisible by G, C by H, D even (RoPE).
public struct ModelConfig: Sendable, Equatable, Codable {
    public var name: String
    public var vocab: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    /// RoPE base; the study's code uses 1024 rather than the usual 10000.
    public var ropeBase: Float
    /// RMSNorm epsilon, added to the mean square.
    public var normEps: Float

    public init(name: String, vocab: Int = 256, width: Int, layers: Int, heads: Int = 6,
                kvHeads: Int = 2, ropeBase: Float = 1024, normEps: Float = 1e-6) {
        self.name = name
        self.vocab = vocab
        self.width = width
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads
        self.ropeBase = ropeBase
        self.normEps = normEps
    }

    /// Keys as checkpoints store them.
    enum CodingKeys: String, CodingKey {
        case name, vocab, width, layers, heads
        case kvHeads = "kv_heads", ropeBase = "rope_base", normEps = "norm_eps"
    }

    public var headDim: Int { width / heads }
    public var kvWidth: Int { kvHeads * headDim }
    public var mlpWidth: Int { 4 * width }

    /// Parameters in total; the embedding is tied with the head, so it counts once.
    public var parameterCount: Int { ParameterLayout(config: self).totalCount }
    /// Parameters outside the embedding (the "non-embedding N" of scaling-law fits).
    public var nonEmbeddingParameterCount: Int { parameterCount - vocab * width }

    public func validate() throws {
        guard vocab > 0, width > 0, layers > 0, heads > 0, kvHeads > 0 else {
            throw QScopeError.badInput("model \(name): every dimension must be positive")
        }
        // Bounds that keep every size computed from them (parameters, buffers) far from overflow.
        guard vocab <= 1 << 20, width <= 1 << 16, layers <= 1 << 12, heads <= width else {
            throw QScopeError.badInput("model \(name): vocab up to 2^20, width up to 65536, layers up to 4096, "
                                       + "heads up to the width (got \(vocab), \(width), \(layers), \(heads))")
        }
        guard width % heads == 0, heads % kvHeads == 0, headDim % 2 == 0 else {
            throw QScopeError.badInput(
                "model \(name): width \(width) must split into \(heads) heads of even size, "
                    + "and \(heads) heads into \(kvHeads) kv groups")
        }
    }

    /// The named sizes, smallest first: about 60K to 19M parameters, all with 6 heads in 2 kv
    /// groups (the study's GQA ratio of 3).
    public static let sizes: [ModelConfig] = [
        ModelConfig(name: "tiny", width: 48, layers: 2),
        ModelConfig(name: "xs", width: 96, layers: 3),
        ModelConfig(name: "s", width: 144, layers: 4),
        ModelConfig(name: "m", width: 288, layers: 6),
        ModelConfig(name: "l", width: 384, layers: 12),
    ]

    public static func named(_ name: String) throws -> ModelConfig {
        guard let config = sizes.first(where: { $0.name == name }) else {
            let names = sizes.map(\.name).joined(separator: ", ")
            throw QScopeError.badInput("unknown model size '\(name)'; choose one of: \(names)")
        }
        return config
    }
}

extension ModelConfig {
    /// Floating-point operations of one training step per token (forward + backward ≈ 3×
    /// forward), counting every matmul including the head and the full T×T attention products
    /// the kernels actually compute.
    public func trainingFLOPsPerToken(seq: Int) -> Double {
        let matmulParams = Double(nonEmbeddingParameterCount - layers * (heads + 2 * width) - width)
            + Double(vocab * width)
        let attention = Double(layers) * 2 * 2 * Double(seq) * Double(heads * headDim)
        return 3 * (2 * matmulParams + attention)
    }
}
