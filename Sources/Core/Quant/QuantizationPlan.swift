/// How a layer's weights are quantized after training (docs/quantization.md §10).
public enum QuantMethod: String, NamedChoice {
    /// Round to nearest on the study's absmax grid.
    case rtn
    /// GPTQ (quant.py grid), calibrated on training batches with the earlier blocks quantized.
    case gptq
    /// Weights and inputs both stay in full precision.
    case full

    public static let noun = "quantization method"
    public static var aliases: [String: QuantMethod] { ["fp": .full, "none": .full] }
}

/// The quantization of one linear layer: its weights' method, bits and scale granularity, and
/// the bits of its input (quantized per token; nil: the input stays full precision).
///
/// Invariant: bits are 2–8, except a `.full` layer's: 16-bit (bf16) weights, exact inputs, per
/// row; GPTQ is per row or per group.
public struct LayerQuantization: Sendable, Hashable, CustomStringConvertible {
    public var method: QuantMethod
    public var weightBits: Int
    public var activationBits: Int?
    public var granularity: QuantGranularity

    public init(method: QuantMethod, weightBits: Int = 4, activationBits: Int? = 4,
                granularity: QuantGranularity = .row) throws {
        if method != .full { try Self.check([weightBits, activationBits].compactMap { $0 }) }
        if method == .gptq, granularity == .tensor {
            throw QScopeError.badInput("GPTQ quantizes per row or per group; use granularity \"row\" or \"group:G\"")
        }
        self.method = method
        self.weightBits = method == .full ? 16 : weightBits
        self.activationBits = method == .full ? nil : activationBits
        self.granularity = method == .full ? .row : granularity
    }

    /// Throws unless every width is 2–8.
    static func check(_ widths: [Int]) throws {
        if let bits = widths.first(where: { !(2...8).contains($0) }) {
            throw QScopeError.badInput("bits must be 2 to 8 (got \(bits)); use method = \"full\" for full precision")
        }
    }

    /// Full precision weights and inputs.
    public static let full = try! LayerQuantization(method: .full, activationBits: nil)

    /// W`bits`A`bits` by `method` (per row, per token).
    public static func uniform(_ method: QuantMethod, bits: Int) throws -> LayerQuantization {
        try LayerQuantization(method: method, weightBits: bits, activationBits: bits)
    }

    /// The weight quantizer RTN applies (nil for full precision and GPTQ).
    public var roundToNearest: RoundToNearest? {
        method == .rtn ? try! RoundToNearest(bits: weightBits, granularity: granularity) : nil
    }

    /// The per-token input quantizer (nil: exact input).
    public var inputQuantizer: RoundToNearest? { activationBits.map { try! RoundToNearest(bits: $0) } }

    /// The GPTQ quantizer of a `.gptq` layer, as `qscope ptq --method gptq` builds it.
    public var gptq: GPTQ? {
        guard method == .gptq else { return nil }
        var group: Int?
        if case .group(let g) = granularity { group = g }
        return try! GPTQ(bits: weightBits, symmetric: true, groupSize: group)
    }

    /// Stored bits of the weight (out, in) at these settings: codes plus one 16-bit scale per
    /// row, group or tensor; 16 bits (bf16) per weight in full precision.
    public func storedBits(rows: Int, cols: Int) -> Int {
        guard method != .full else { return weightBits * rows * cols }
        let scales: Int
        switch granularity {
        case .tensor: scales = 1
        case .row: scales = rows
        case .group(let g): scales = rows * ((cols + g - 1) / g)
        }
        return weightBits * rows * cols + 16 * scales
    }

    /// `W4A4 rtn`, `W3A16 gptq group:64`, `fp`: what the dashboard and tables print.
    public var description: String {
        guard method != .full else { return "fp" }
        let grain = granularity == .row ? "" : " \(granularity)"
        return "W\(weightBits)A\(activationBits.map(String.init) ?? "16") \(method)\(grain)"
    }
}

/// What a plan table sets: the layer kinds of a block, and the tied head.
public enum PlanTarget: String, NamedChoice {
    case q, k, v, o, up, down, head

    public static let noun = "layer kind"

    /// The block linear kind (nil for the head).
    public var linearKind: LinearKind? { LinearKind(rawValue: rawValue) }
}

/// A quantization plan as a person writes it (docs/quantization.md §10): defaults, per-kind
/// tables and per-layer tables, each setting only what it changes. Resolving it for a model
/// gives every layer's `LayerQuantization`; later, more specific tables win
/// (default < kind < layer).
///
/// The head is not covered by `default`: it stays in full precision, as in the study's PTQ,
/// unless `kind.head` or `layer.head` sets it (RTN only).
public struct QuantizationPlan: Sendable, Equatable {
    /// Settings a table may give; nil fields inherit.
    public struct Settings: Sendable, Equatable, Hashable {
        public var method: QuantMethod?
        public var weightBits: Int?
        /// `.some(nil)`: the input stays full precision ("full" in a file).
        public var activationBits: Int??
        public var granularity: QuantGranularity?

        public init(method: QuantMethod? = nil, weightBits: Int? = nil, activationBits: Int?? = nil,
                    granularity: QuantGranularity? = nil) {
            self.method = method
            self.weightBits = weightBits
            self.activationBits = activationBits
            self.granularity = granularity
        }

        /// Every field of `layer`, for writing a resolved plan back out.
        public init(_ layer: LayerQuantization) {
            self.init(method: layer.method, weightBits: layer.method == .full ? nil : layer.weightBits,
                      activationBits: layer.method == .full ? nil : .some(layer.activationBits),
                      granularity: layer.method == .full ? nil : layer.granularity)
        }

        /// `base` with these settings applied (`what` names the table in errors).
        func applied(to base: LayerQuantization, what: String) throws -> LayerQuantization {
            do {
                try LayerQuantization.check([weightBits, activationBits ?? nil].compactMap { $0 })
                let method = self.method ?? base.method
                // A layer turned on from full precision takes W4A4 unless it says otherwise.
                let inherited = base.method == .full ? LayerQuantization.defaultQuantized : base
                return try LayerQuantization(method: method, weightBits: weightBits ?? inherited.weightBits,
                                             activationBits: activationBits ?? inherited.activationBits,
                                             granularity: granularity ?? inherited.granularity)
            } catch let error as QScopeError {
                throw QScopeError.badInput("\(what): \(error.description)")
            }
        }
    }

    public var defaults: Settings
    public var kinds: [PlanTarget: Settings]
    /// Keyed by parameter name (`blocks.1.mlp.down`) or `head`; checked against the model when resolved.
    public var layers: [String: Settings]

    public init(defaults: Settings = Settings(), kinds: [PlanTarget: Settings] = [:], layers: [String: Settings] = [:]) {
        self.defaults = defaults
        self.kinds = kinds
        self.layers = layers
    }

    /// Every block linear at `layer`'s settings, the head in full precision.
    public static func uniform(_ layer: LayerQuantization) -> QuantizationPlan {
        QuantizationPlan(defaults: Settings(layer))
    }

    /// The plan listing each of `layers` on its own (kinds and defaults folded in).
    public static func explicit(_ layers: [LinearID: LayerQuantization], head: LayerQuantization = .full)
        -> QuantizationPlan {
        var plan = QuantizationPlan(defaults: Settings(.full))
        for (id, layer) in layers where layer != .full { plan.layers[id.parameterName] = Settings(layer) }
        if head != .full { plan.kinds[.head] = Settings(head) }
        return plan
    }

    /// Every layer's quantization on a model of `config`; unknown layer names and a GPTQ head
    /// are bad input.
    public func resolve(for config: ModelConfig) throws -> ResolvedQuantization {
        let ids = LinearID.all(in: config)
        let known = Set(ids.map(\.parameterName) + ["head"])
        if let unknown = layers.keys.sorted().first(where: { !known.contains($0) }) {
            throw QScopeError.badInput("unknown layer '\(unknown)' for model \(config.name) (\(config.layers) blocks; "
                                       + "layers are named like blocks.0.attn.q, blocks.\(config.layers - 1).mlp.down, head)")
        }
        let base = try defaults.applied(to: .defaultQuantized, what: "default")
        var resolved: [LinearID: LayerQuantization] = [:]
        for id in ids {
            var layer = base
            if let kind = kinds[PlanTarget(rawValue: id.kind.rawValue)!] {
                layer = try kind.applied(to: layer, what: "kind.\(id.kind)")
            }
            if let own = layers[id.parameterName] { layer = try own.applied(to: layer, what: "layer.\(id)") }
            resolved[id] = layer
        }
        var head = LayerQuantization.full
        if let kind = kinds[.head] { head = try kind.applied(to: head, what: "kind.head") }
        if let own = layers["head"] { head = try own.applied(to: head, what: "layer.head") }
        guard head.method != .gptq else {
            throw QScopeError.badInput("the head is quantized by rtn or left full; GPTQ covers the block linears only")
        }
        return ResolvedQuantization(layers: resolved, head: head)
    }
}

extension LayerQuantization {
    /// W4A4 RTN per row and per token: the study's PTQ, and what a plan's default table starts from.
    public static let defaultQuantized = try! LayerQuantization(method: .rtn)
}

