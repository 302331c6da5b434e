/// How an optimizer should treat a parameter, following the study's three groups (docs/optimizers.md §2).
public enum ParameterRole: String, Sendable, Codable, CaseIterable {
    /// A 2-D matrix inside a block (q, k, v, o, up, down): Muon, Scion and Shampoo act here.
    case hidden
    /// The token embedding, which is also the (tied) output head.
    case embedding
    /// Norm gains and the per-head QK scales.
    case vector
}

/// One named parameter: where it lives in the model's flat buffer and how it is shaped.
public struct ParameterInfo: Sendable, Equatable {
    /// Dotted name, e.g. `blocks.3.attn.q`; also the safetensors key.
    public let name: String
    public let role: ParameterRole
    /// PyTorch layout: a linear weight is (out, in).
    public let shape: [Int]
    /// Offset of the first element in the flat parameter (and gradient) buffer.
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, role: ParameterRole, shape: [Int], offset: Int) {
        self.name = name
        self.role = role
        self.shape = shape
        self.offset = offset
    }
}

/// The ordered list of a model's parameters inside one flat buffer.
///
/// One buffer for all weights (and one for all gradients) means a gradient norm, a NaN check or a
/// checkpoint is a single pass, while each layer still addresses its own slice.
public struct ParameterLayout: Sendable, Equatable {
    public let parameters: [ParameterInfo]
    public let totalCount: Int

    public init(config: ModelConfig) {
        let c = config.width, d = config.headDim
        var list: [ParameterInfo] = []
        var offset = 0
        func add(_ name: String, _ role: ParameterRole, _ shape: [Int]) {
            list.append(ParameterInfo(name: name, role: role, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        add("wte", .embedding, [config.vocab, c])
        for layer in 0..<config.layers {
            let p = "blocks.\(layer)."
            add(p + "attn.q", .hidden, [config.heads * d, c])
            add(p + "attn.k", .hidden, [config.kvWidth, c])
            add(p + "attn.v", .hidden, [config.kvWidth, c])
            add(p + "attn.o", .hidden, [c, config.heads * d])
            add(p + "attn.qk_scale", .vector, [config.heads])
            add(p + "attn_norm.gain", .vector, [c])
            add(p + "mlp.up", .hidden, [config.mlpWidth, c])
            add(p + "mlp.down", .hidden, [c, config.mlpWidth])
            add(p + "mlp_norm.gain", .vector, [c])
        }
        add("norm.gain", .vector, [c])
        parameters = list
        totalCount = offset
    }

    /// A layout of arbitrary tensors laid end to end (e.g. one matrix for `optim-replay`).
    public init(tensors: [(name: String, role: ParameterRole, shape: [Int])]) {
        var offset = 0
        parameters = tensors.map { t in
            defer { offset += t.shape.reduce(1, *) }
            return ParameterInfo(name: t.name, role: t.role, shape: t.shape, offset: offset)
        }
        totalCount = offset
    }

    public func info(named name: String) -> ParameterInfo? {
        parameters.first { $0.name == name }
    }
}
