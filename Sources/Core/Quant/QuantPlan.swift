/// The quantizable linear layers of a block (docs/quantization.md §7: q, k, v, o, MLP up and down).
public enum LinearKind: String, Sendable, CaseIterable, Codable {
    case q, k, v, o, up, down
}

/// One linear layer of the model: `blocks.<layer>.attn.q`, `blocks.<layer>.mlp.up`, …
public struct LinearID: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let layer: Int
    public let kind: LinearKind

    public init(layer: Int, kind: LinearKind) {
        self.layer = layer
        self.kind = kind
    }

    /// The parameter name of its weight.
    public var parameterName: String {
        "blocks.\(layer).\(kind == .up || kind == .down ? "mlp" : "attn").\(kind.rawValue)"
    }

    public var description: String { parameterName }

    public static func < (a: LinearID, b: LinearID) -> Bool {
        (a.layer, LinearKind.allCases.firstIndex(of: a.kind)!) < (b.layer, LinearKind.allCases.firstIndex(of: b.kind)!)
    }

    /// Every linear layer of `config`, in forward order.
    public static func all(in config: ModelConfig) -> [LinearID] {
        (0..<config.layers).flatMap { l in LinearKind.allCases.map { LinearID(layer: l, kind: $0) } }
    }
}

/// Which linear layers quantize their weights and/or inputs, and how (docs/quantization.md §7).
///
/// Weights are fake-quantized once when the plan is set on a model; inputs on every forward
/// pass, per token (each row of the (N, in) input). The tied head stays in full precision unless
/// `head` says otherwise (the study's PTQ leaves it; QuEST's code quantizes it); the embedding
/// lookup always reads the exact table.
public struct QuantPlan: Sendable {
    public var weights: [LinearID: RoundToNearest]
    public var inputs: [LinearID: RoundToNearest]
    /// The head's weight (a quantized copy of the tied table) and input (the final norm's
    /// output, per token) quantizers.
    public var head: (weight: RoundToNearest?, input: RoundToNearest?) = (nil, nil)
    /// Layers whose weights are already quantized (by GPTQ) in the parameters the plan runs on:
    /// the forward pass reads them as they are; `ModuleChain` marks their modules quantized.
    public var prequantized: Set<LinearID> = []

    public init(weights: [LinearID: RoundToNearest] = [:], inputs: [LinearID: RoundToNearest] = [:]) {
        self.weights = weights
        self.inputs = inputs
    }

    /// The same weight and input quantizers on `layers` (nil bits: that side stays full precision).
    public static func uniform(_ layers: [LinearID], weight: RoundToNearest?, input: RoundToNearest?) -> QuantPlan {
        QuantPlan(weights: weight.map { q in Dictionary(uniqueKeysWithValues: layers.map { ($0, q) }) } ?? [:],
                  inputs: input.map { q in Dictionary(uniqueKeysWithValues: layers.map { ($0, q) }) } ?? [:])
    }

    /// This plan with the head quantized by `weight` and `input` as well.
    public func withHead(weight: RoundToNearest?, input: RoundToNearest?) -> QuantPlan {
        var plan = self
        plan.head = (weight, input)
        return plan
    }

    public var isEmpty: Bool { weights.isEmpty && inputs.isEmpty && head.weight == nil && head.input == nil }
}

extension ParameterLayout {
    /// Rounds each listed layer's weight in `parameters` (this layout's order) to nearest, in place.
    public func roundWeights(_ quantizers: [LinearID: RoundToNearest], in parameters: Tensor) {
        for (id, quantizer) in quantizers {
            let info = info(named: id.parameterName)!
            let p = parameters.data + info.offset
            quantizer.apply(p, into: p, rows: info.shape[0], cols: info.shape[1])
        }
    }
}
