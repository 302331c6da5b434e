import Foundation

/// A per-linear-layer statistic the live probe and `qscope ptq` report (docs/analysis.md §2).
public enum LayerMetric: String, Sendable, CaseIterable, Codable {
    /// Max-to-median ratio of the layer's input, averaged over tokens.
    case mmr
    /// Excess kurtosis of all input entries.
    case kurtosis
    /// Excess kurtosis of the per-channel RMS of the input.
    case rmsKurtosis = "rms_kurtosis"
    /// Root mean square of the input.
    case rms
    /// Largest |input|.
    case absmax
    /// Relative squared error of the layer's output with its weight and input W4A4 RTN-quantized
    /// (alone, on the clean input): ‖y_q − y‖² / ‖y‖², averaged over tokens.
    case quantError = "quant_error"

    /// A short column title.
    public var label: String {
        switch self {
        case .mmr: return "MMR"
        case .kurtosis: return "kurt"
        case .rmsKurtosis: return "rms-kurt"
        case .rms: return "RMS"
        case .absmax: return "absmax"
        case .quantError: return "W4A4 err"
        }
    }
}

/// Every linear layer's statistics at one step: a (layers × metrics) table whose columns are
/// keyed by metric, so adding or reordering metrics never relabels a stored report.
public struct LayerReport: Sendable, Equatable {
    public var step: Int
    /// Layer names in forward order, e.g. `blocks.0.attn.q`.
    public var layers: [String]
    /// Each metric's values over `layers` (in their order); a metric may be absent (a log
    /// written before it existed).
    public var columns: [LayerMetric: [Double]]

    public init(step: Int, layers: [String], columns: [LayerMetric: [Double]]) {
        precondition(columns.values.allSatisfy { $0.count == layers.count }, "layer report shape")
        self.step = step
        self.layers = layers
        self.columns = columns
    }

    /// A report from one row of metric values per layer.
    public init(step: Int, layers: [String], rows: [[LayerMetric: Double]]) {
        precondition(rows.count == layers.count, "layer report shape")
        var columns: [LayerMetric: [Double]] = [:]
        for metric in LayerMetric.allCases where rows.allSatisfy({ $0[metric] != nil }) {
            columns[metric] = rows.map { $0[metric]! }
        }
        self.init(step: step, layers: layers, columns: columns)
    }

    /// `metric` of layer number `layer`; NaN when the report lacks the metric.
    public func value(_ metric: LayerMetric, layer: Int) -> Double {
        columns[metric]?[layer] ?? .nan
    }

    /// The mean of `metric` over the layers where it is finite: the down projection's input is
    /// relu², mostly exact zeros, so its per-token median is 0 and its MMR unbounded.
    public func mean(_ metric: LayerMetric) -> Double? {
        columns[metric].flatMap(Math.finiteMean)
    }
}

extension LayerReport: Codable {
    enum CodingKeys: String, CodingKey {
        case step, layers, metrics
        /// Metrics logs before format 2 stored a row-major (layers × metrics) array.
        case values
    }

    /// The column order of the row-major `values` written before format 2 (frozen: it is what
    /// those files mean).
    static let legacyOrder: [LayerMetric] = [.mmr, .kurtosis, .rmsKurtosis, .rms, .absmax, .quantError]

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let step = try c.decode(Int.self, forKey: .step), layers = try c.decode([String].self, forKey: .layers)
        var columns: [LayerMetric: [Double]] = [:]
        if let named = try c.decodeIfPresent([String: [Double]].self, forKey: .metrics) {
            for (name, column) in named {
                // A metric this version does not know is skipped, not an error.
                guard let metric = LayerMetric(rawValue: name) else { continue }
                columns[metric] = column
            }
        } else {
            let values = try c.decode([Double].self, forKey: .values)
            let width = Self.legacyOrder.count
            guard values.count == layers.count * width else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: c, debugDescription: "layer report shape")
            }
            for (index, metric) in Self.legacyOrder.enumerated() {
                columns[metric] = layers.indices.map { values[$0 * width + index] }
            }
        }
        guard columns.values.allSatisfy({ $0.count == layers.count }) else {
            throw DecodingError.dataCorruptedError(forKey: .metrics, in: c, debugDescription: "layer report shape")
        }
        self.init(step: step, layers: layers, columns: columns)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(layers, forKey: .layers)
        try c.encode(Dictionary(uniqueKeysWithValues: columns.map { ($0.key.rawValue, $0.value) }), forKey: .metrics)
    }
}

/// What a module of the fine-grained chain computes (docs/analysis.md §3.1).
public enum ModuleKind: String, Sendable, CaseIterable, Codable {
    /// Per-token activation quantization of a linear layer's input (identity in full precision).
    case inputQuant = "input_quant"
    case linear
    /// The attention core: RoPE, QK-norm, softmax and the weighted sum (one unit, as in the paper).
    case attention
    case norm
    case activation
    case residual
    case head
}

/// One module's share of the quantization error (docs/analysis.md §3.3): R = A + B + C, relative to the
/// module's full-precision output, per token and averaged over tokens.
public struct ModuleError: Sendable, Equatable, Codable {
    public var name: String
    public var kind: ModuleKind
    /// Block index, nil for the final norm and head.
    public var layer: Int?
    /// Total relative squared error ‖Δh‖²/‖h‖².
    public var r: Double
    /// Propagated error (input change), ‖a‖²/‖h‖².
    public var a: Double
    /// Local error (function change), ‖b‖²/‖h‖².
    public var b: Double
    /// Interaction 2⟨a, b⟩/‖h‖².
    public var c: Double
    /// Relative squared error of the module's input (all its inputs, concatenated per token).
    public var inputError: Double
    /// For linear layers: the spectral ratio G₁ = (‖W + ½ε_W‖₂ / ‖W‖₂)².
    public var spectralRatio: Double?
    /// For linear layers: the alignment ratio G₂, the input-error-weighted mean over tokens of
    /// (cos φ / cos ψ)², so that A = G₁·G₂·R_in holds for the token means.
    public var alignmentRatio: Double?

    public init(name: String, kind: ModuleKind, layer: Int?, r: Double, a: Double, b: Double, c: Double,
                inputError: Double, spectralRatio: Double? = nil, alignmentRatio: Double? = nil) {
        self.name = name
        self.kind = kind
        self.layer = layer
        self.r = r
        self.a = a
        self.b = b
        self.c = c
        self.inputError = inputError
        self.spectralRatio = spectralRatio
        self.alignmentRatio = alignmentRatio
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, layer, r, a, b, c
        case inputError = "input_error", spectralRatio = "spectral_ratio", alignmentRatio = "alignment_ratio"
    }

    /// The gain G = A / R_in: how much the module amplifies the error it receives (nil when
    /// the input carries no error).
    public var gain: Double? { inputError > 0 ? a / inputError : nil }
}

/// The ABC decomposition over the whole chain at one step; `outputError` is R_L at the logits.
public struct PropagationReport: Sendable, Equatable, Codable {
    public var step: Int
    public var modules: [ModuleError]
    /// The mean per-token KL divergence KL(p ‖ p_q) of the quantized model's next-token
    /// distribution from the full-precision one, in nats; nil in reports that predate it.
    public var outputKL: Double?

    public init(step: Int, modules: [ModuleError], outputKL: Double? = nil) {
        self.step = step
        self.modules = modules
        self.outputKL = outputKL
    }

    enum CodingKeys: String, CodingKey {
        case step, modules
        case outputKL = "output_kl"
    }

    /// R_L: the relative squared error of the last module (the logits).
    public var outputError: Double { modules.last?.r ?? 0 }

    /// R at the final hidden state: the relative squared error after the final norm, the last
    /// norm of the chain (the paper leaves open whether R_L is taken here or at the logits).
    public var finalHiddenError: Double? { modules.last { $0.kind == .norm }?.r }
}

/// Validation losses of a model in full precision and post-training quantized (docs/quantization.md §8).
public struct PTQSummary: Sendable, Equatable, Codable {
    public var step: Int
    public var fullPrecision: Double
    /// W4A4 round-to-nearest, per row.
    public var rtn: Double
    /// GPTQ weights with RTN inputs, when measured.
    public var gptq: Double?

    enum CodingKeys: String, CodingKey {
        case step, rtn, gptq
        case fullPrecision = "full_precision"
    }

    public init(step: Int, fullPrecision: Double, rtn: Double, gptq: Double? = nil) {
        self.step = step
        self.fullPrecision = fullPrecision
        self.rtn = rtn
        self.gptq = gptq
    }
}

/// What a run's probe measured at one step; any part may be absent. Codable for the metrics
/// log (`ProbeReport.logLine`), so `qscope watch` shows what a headless run measured.
public struct ProbeReport: Sendable, Equatable, Codable {
    public var layers: LayerReport?
    public var propagation: PropagationReport?
    public var ptq: PTQSummary?

    public init(layers: LayerReport? = nil, propagation: PropagationReport? = nil, ptq: PTQSummary? = nil) {
        self.layers = layers
        self.propagation = propagation
        self.ptq = ptq
    }
}

/// Measurements a trainer takes of its own model every `interval` steps, on its own thread,
/// between optimizer steps (so they never race the update). Implemented above Core (Analysis)
/// and handed to the trainer when it is built, on the trainer's parameters (which it reads).
public protocol TrainingProbe: AnyObject {
    /// Steps between measurements (> 0).
    var interval: Int { get }
    /// Measures the model as its parameters now stand; `thorough` (on request and at the end of
    /// the run) adds the slower measurements, such as GPTQ.
    func measure(step: Int, thorough: Bool) -> ProbeReport
}
