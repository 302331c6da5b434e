/// A quantization plan resolved for one model: how every block linear and the head are quantized.
public struct ResolvedQuantization: Sendable, Equatable {
    public var layers: [LinearID: LayerQuantization]
    public var head: LayerQuantization

    public init(layers: [LinearID: LayerQuantization], head: LayerQuantization = .full) {
        self.layers = layers
        self.head = head
    }

    /// Every layer of `config` at `layer`, the head in full precision.
    public static func uniform(_ layer: LayerQuantization, config: ModelConfig) -> ResolvedQuantization {
        ResolvedQuantization(layers: Dictionary(uniqueKeysWithValues: LinearID.all(in: config).map { ($0, layer) }))
    }

    /// The plan a file would hold for this resolution (each layer listed).
    public var plan: QuantizationPlan { .explicit(layers, head: head) }

    /// The GPTQ quantizer of each `.gptq` layer.
    public var gptqLayers: [LinearID: GPTQ] { layers.compactMapValues(\.gptq) }

    /// The forward pass's plan: RTN weights, every quantized input and the head. GPTQ layers are
    /// listed as `prequantized`: their weights must already be in the parameters it runs on.
    public var runtimePlan: QuantPlan {
        var plan = QuantPlan(weights: layers.compactMapValues(\.roundToNearest),
                             inputs: layers.compactMapValues(\.inputQuantizer))
        plan.prequantized = Set(layers.filter { $0.value.method == .gptq }.keys)
        return plan.withHead(weight: head.roundToNearest, input: head.inputQuantizer)
    }

    /// What the plan costs in bits and bytes on a model with `layout`.
    public func footprint(layout: ParameterLayout) -> QuantFootprint {
        var count = 0, weightBits = 0, activationBits = 0, stored = 0
        for (id, layer) in layers {
            let shape = layout.info(named: id.parameterName)!.shape
            let n = shape[0] * shape[1]
            count += n
            weightBits += n * layer.weightBits
            // Every weight is one multiply-accumulate per token, so weighting an input's bits by
            // the layer's size averages the bits the matmuls read.
            activationBits += n * (layer.activationBits ?? 16)
            stored += layer.storedBits(rows: shape[0], cols: shape[1])
        }
        let table = layout.info(named: "wte")!.shape
        // A quantized head is a second, quantized copy of the tied table; the lookup keeps the exact one.
        let head = head.method == .full ? 0 : head.storedBits(rows: table[0], cols: table[1])
        let rest = 16 * (layout.totalCount - count)
        return QuantFootprint(averageWeightBits: Double(weightBits) / Double(count),
                              averageActivationBits: Double(activationBits) / Double(count),
                              bitsPerWeight: Double(stored) / Double(count),
                              modelBytes: (rest + stored + head + 7) / 8, fullPrecisionBytes: 2 * layout.totalCount)
    }
}

/// The bits and bytes a plan implies (docs/quantization.md §10.3).
public struct QuantFootprint: Sendable, Equatable, Codable {
    /// Σ bits·size / Σ size over the block linears' weights, 16 for full precision: the average
    /// bits an allocation budget limits.
    public let averageWeightBits: Double
    /// The same for their inputs, weighted by layer size (multiply-accumulates per token).
    public let averageActivationBits: Double
    /// Stored bits per block-linear weight, scales (16 bits each) included.
    public let bitsPerWeight: Double
    /// The whole model: block linears as planned, everything else at 16 bits (bf16), plus the
    /// head's quantized copy when the head is quantized.
    public let modelBytes: Int
    /// The whole model at 16 bits.
    public let fullPrecisionBytes: Int

    enum CodingKeys: String, CodingKey {
        case averageWeightBits = "average_weight_bits", averageActivationBits = "average_activation_bits"
        case bitsPerWeight = "bits_per_weight", modelBytes = "model_bytes", fullPrecisionBytes = "full_precision_bytes"
    }
}
