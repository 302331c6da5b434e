import Foundation

/// A per-linear-layer statistic the live probe and `qscope ptq` report (paper.md §4).
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

/// Every linear layer's statistics at one step: a (layers × metrics) table.
public struct LayerReport: Sendable, Equatable, Codable {
    public var step: Int
    /// Layer names in forward order, e.g. `blocks.0.attn.q`.
    public var layers: [String]
    /// (layers, LayerMetric.allCases.count), row-major.
    public var values: [Double]

    public init(step: Int, layers: [String], values: [Double]) {
        precondition(values.count == layers.count * LayerMetric.allCases.count, "layer report shape")
        self.step = step
        self.layers = layers
        self.values = values
    }

    public func value(_ metric: LayerMetric, layer: Int) -> Double {
        values[layer * LayerMetric.allCases.count + LayerMetric.allCases.firstIndex(of: metric)!]
    }

    /// The mean of `metric` over the layers where it is finite: the down projection's input is
    /// relu², mostly exact zeros, so its per-token median is 0 and its MMR unbounded.
    public func mean(_ metric: LayerMetric) -> Double? {
        Math.finiteMean(layers.indices.map { value(metric, layer: $0) })
    }
}

/// What a module of the fine-grained chain computes (paper.md §5).
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

/// One module's share of the quantization error (paper.md §5): R = A + B + C, relative to the
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

    /// The gain G = A / R_in: how much the module amplifies the error it receives (nil when
    /// the input carries no error).
    public var gain: Double? { inputError > 0 ? a / inputError : nil }
}

/// The ABC decomposition over the whole chain at one step; `outputError` is R_L at the logits.
public struct PropagationReport: Sendable, Equatable, Codable {
    public var step: Int
    public var modules: [ModuleError]

    public init(step: Int, modules: [ModuleError]) {
        self.step = step
        self.modules = modules
    }

    /// R_L: the relative squared error of the last module (the logits).
    public var outputError: Double { modules.last?.r ?? 0 }
}

/// Validation losses of a model in full precision and post-training quantized (paper.md §3).
public struct PTQSummary: Sendable, Equatable, Codable {
    public var step: Int
    public var fullPrecision: Double
    /// W4A4 round-to-nearest, per row.
    public var rtn: Double
    /// GPTQ weights with RTN inputs, when measured.
    public var gptq: Double?

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

extension ProbeReport {
    /// The metrics-log line `{"probe": {…}}`: snake_case keys, non-finite numbers as
    /// "inf"/"-inf"/"nan" (an MMR can be unbounded), one line.
    public var logLine: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return (try? encoder.encode(LogLine(probe: self))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The report of a line `logLine` wrote; nil for anything else.
    public init?(logLine data: Data) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        guard let line = try? decoder.decode(LogLine.self, from: data) else { return nil }
        self = line.probe
    }

    private struct LogLine: Codable {
        let probe: ProbeReport
    }
}
