import Foundation

/// A run's metrics log: the JSON-lines file a saved run appends beside its checkpoint
/// (`RunPaths.metricsLog`) and `qscope watch` follows. Every line is one of `MetricsLogLine`'s
/// Codable records, written (`MetricsLogWriter`) and read (`MetricsLogLine(json:)`) here.
///
/// The file is a header (format version, who the run is, its full `RunSpec`), then one record
/// per log step (the object `--json` prints), with `{"probe": {…}}` after a step the probe
/// measured, `{"state_bytes": N}` once the optimizer exists, and a final record (`"final": true`)
/// when the run ends. A resumed run appends a second header and carries on.
public enum MetricsLog {
    /// The ending that marks a file as a metrics log.
    public static let suffix = ".metrics.jsonl"

    /// The format this version writes. 1: no `format` key, no spec, layer metrics row-major by
    /// position; 2: `format` and `spec` in the header, layer metrics keyed by name.
    public static let format = 2

    /// Sorted keys; a non-finite number (an unbounded MMR) as "inf", "-inf" or "nan".
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        return decoder
    }

    /// One line of JSON for `value`.
    public static func line(_ value: some Encodable) -> String {
        (try? encoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// One log record of a run: what `--json` prints per log step.
public struct TrainLog: Sendable, Equatable, Codable {
    public var step: Int
    public var tokens: Int
    /// Training loss of this step's batch; nil for the record of the initial evaluation.
    public var loss: Double?
    public var valLoss: Double?
    public var learningRate: Double
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var elapsed: Double
    /// What the probe measured at this step, when it ran (its own log line follows the record).
    public var probe: ProbeReport? = nil

    public init(step: Int, tokens: Int, loss: Double?, valLoss: Double?, learningRate: Double, gradNorm: Double,
                tokensPerSecond: Double, elapsed: Double, probe: ProbeReport? = nil) {
        self.step = step
        self.tokens = tokens
        self.loss = loss
        self.valLoss = valLoss
        self.learningRate = learningRate
        self.gradNorm = gradNorm
        self.tokensPerSecond = tokensPerSecond
        self.elapsed = elapsed
        self.probe = probe
    }

    enum CodingKeys: String, CodingKey {
        case step, tokens, loss
        case valLoss = "val_loss", learningRate = "lr", gradNorm = "grad_norm"
        case tokensPerSecond = "tokens_per_s", elapsed = "elapsed_s"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(step: try c.decode(Int.self, forKey: .step), tokens: try c.decode(Int.self, forKey: .tokens),
                  loss: try c.decodeIfPresent(Double.self, forKey: .loss),
                  valLoss: try c.decodeIfPresent(Double.self, forKey: .valLoss),
                  learningRate: try c.decode(Double.self, forKey: .learningRate),
                  gradNorm: try c.decode(Double.self, forKey: .gradNorm),
                  tokensPerSecond: try c.decode(Double.self, forKey: .tokensPerSecond),
                  elapsed: try c.decode(Double.self, forKey: .elapsed))
    }

    /// Every key always present; an absent or non-finite loss is null.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(tokens, forKey: .tokens)
        try c.encodeNumber(loss, forKey: .loss)
        try c.encodeNumber(valLoss, forKey: .valLoss)
        try c.encodeNumber(learningRate, forKey: .learningRate)
        try c.encodeNumber(gradNorm, forKey: .gradNorm)
        try c.encodeNumber(tokensPerSecond, forKey: .tokensPerSecond)
        try c.encodeNumber(elapsed, forKey: .elapsed)
    }
}

/// Who a logged run is: the metrics log's first line.
public struct MetricsLogHeader: Equatable, Sendable, Codable {
    /// `MetricsLog.format` of the writer; 1 for logs written before the key existed.
    public var format: Int = MetricsLog.format
    /// Display name, e.g. `adamw/tiny`, as the trainer names its snapshot.
    public var run: String
    public var optimizer: OptimizerKind
    public var model: String
    public var totalSteps: Int
    public var parameterCount: Int
    /// The QAT setting, e.g. `quest w4a4`; nil for full precision.
    public var qat: String?
    /// The whole run, so it can be re-created from its log (format 2 on).
    public var spec: RunSpec?

    /// The header of a run of `spec` (a resumed one keeps its step count in `spec.steps`).
    public init(spec: RunSpec) {
        run = spec.name
        optimizer = spec.optimizer
        model = spec.model.name
        totalSteps = spec.steps
        parameterCount = spec.model.parameterCount
        qat = spec.qat?.label
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey {
        case format, run, optimizer, model, qat, spec
        case totalSteps = "total_steps", parameterCount = "params"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decodeIfPresent(Int.self, forKey: .format) ?? 1
        run = try c.decode(String.self, forKey: .run)
        optimizer = try c.decode(OptimizerKind.self, forKey: .optimizer)
        model = try c.decode(String.self, forKey: .model)
        totalSteps = try c.decode(Int.self, forKey: .totalSteps)
        parameterCount = try c.decode(Int.self, forKey: .parameterCount)
        qat = try c.decodeIfPresent(String.self, forKey: .qat)
        spec = try c.decodeIfPresent(RunSpec.self, forKey: .spec)
    }
}

/// How a run ended: the final record (`"final": true`) of its log and of `--json`.
public struct RunEnd: Equatable, Sendable, Codable {
    public var status: RunStatus
    public var step: Int
    public var message: String?
    /// The rest is what the run reached; absent in a log that only says how it ended.
    public var optimizer: OptimizerKind?
    public var model: String?
    public var tokens: Int?
    public var loss: Double?
    public var valLoss: Double?
    public var parameterCount: Int?
    public var nonEmbeddingParameterCount: Int?
    public var qat: QATMethod?
    public var bits: Int?
    public var actBits: Int?
    public var elapsed: Double?
    public var probeSeconds: Double?
    public var ptqRTNIncrease: Double?
    public var outputError: Double?
    public var meanMMR: Double?
    public var meanKurtosis: Double?
    /// Where the run was saved, if it was.
    public var saved: String?

    public init(status: RunStatus, step: Int, message: String? = nil) {
        self.status = status
        self.step = step
        self.message = message
    }

    /// The end of run `spec` as its last snapshot shows it.
    public init(spec: RunSpec, snapshot: RunSnapshot?, saved: String?) {
        self.init(status: snapshot?.status ?? .failed, step: snapshot?.step ?? 0, message: snapshot?.message)
        optimizer = spec.optimizer
        model = spec.model.name
        tokens = snapshot?.tokens ?? 0
        loss = snapshot?.trainLoss
        valLoss = snapshot?.valLoss
        parameterCount = spec.model.parameterCount
        nonEmbeddingParameterCount = spec.model.nonEmbeddingParameterCount
        qat = spec.qat?.method
        bits = spec.qat?.weightBits
        actBits = spec.qat?.inputBits
        elapsed = snapshot?.elapsed ?? 0
        probeSeconds = snapshot?.probeSeconds ?? 0
        ptqRTNIncrease = snapshot?.ptq.map { $0.rtn - $0.fullPrecision }
        outputError = snapshot?.propagation?.outputError
        meanMMR = snapshot?.layers?.mean(.mmr)
        meanKurtosis = snapshot?.layers?.mean(.kurtosis)
        self.saved = saved
    }

    enum CodingKeys: String, CodingKey {
        case final, status, step, message, optimizer, model, tokens, loss, qat, bits, saved
        case valLoss = "val_loss", parameterCount = "params", nonEmbeddingParameterCount = "params_non_embedding"
        case actBits = "act_bits", elapsed = "elapsed_s", probeSeconds = "probe_s"
        case ptqRTNIncrease = "ptq_rtn_increase", outputError = "r_l", meanMMR = "mean_mmr"
        case meanKurtosis = "mean_kurtosis"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(status: try c.decode(RunStatus.self, forKey: .status),
                  step: try c.decodeIfPresent(Int.self, forKey: .step) ?? 0,
                  message: try c.decodeIfPresent(String.self, forKey: .message))
        optimizer = try c.decodeIfPresent(OptimizerKind.self, forKey: .optimizer)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        tokens = try c.decodeIfPresent(Int.self, forKey: .tokens)
        loss = try c.decodeIfPresent(Double.self, forKey: .loss)
        valLoss = try c.decodeIfPresent(Double.self, forKey: .valLoss)
        parameterCount = try c.decodeIfPresent(Int.self, forKey: .parameterCount)
        nonEmbeddingParameterCount = try c.decodeIfPresent(Int.self, forKey: .nonEmbeddingParameterCount)
        qat = try c.decodeIfPresent(QATMethod.self, forKey: .qat)
        bits = try c.decodeIfPresent(Int.self, forKey: .bits)
        actBits = try c.decodeIfPresent(Int.self, forKey: .actBits)
        elapsed = try c.decodeIfPresent(Double.self, forKey: .elapsed)
        probeSeconds = try c.decodeIfPresent(Double.self, forKey: .probeSeconds)
        ptqRTNIncrease = try c.decodeIfPresent(Double.self, forKey: .ptqRTNIncrease)
        outputError = try c.decodeIfPresent(Double.self, forKey: .outputError)
        meanMMR = try c.decodeIfPresent(Double.self, forKey: .meanMMR)
        meanKurtosis = try c.decodeIfPresent(Double.self, forKey: .meanKurtosis)
        saved = try c.decodeIfPresent(String.self, forKey: .saved)
    }

    /// Every key present (absent values as null), so readers see one shape.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(true, forKey: .final)
        try c.encode(status, forKey: .status)
        try c.encode(step, forKey: .step)
        try c.encode(message, forKey: .message)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(model, forKey: .model)
        try c.encode(tokens, forKey: .tokens)
        try c.encodeNumber(loss, forKey: .loss)
        try c.encodeNumber(valLoss, forKey: .valLoss)
        try c.encode(parameterCount, forKey: .parameterCount)
        try c.encode(nonEmbeddingParameterCount, forKey: .nonEmbeddingParameterCount)
        try c.encode(qat, forKey: .qat)
        try c.encode(bits, forKey: .bits)
        try c.encode(actBits, forKey: .actBits)
        try c.encodeNumber(elapsed, forKey: .elapsed)
        try c.encodeNumber(probeSeconds, forKey: .probeSeconds)
        try c.encodeNumber(ptqRTNIncrease, forKey: .ptqRTNIncrease)
        try c.encodeNumber(outputError, forKey: .outputError)
        try c.encodeNumber(meanMMR, forKey: .meanMMR)
        try c.encodeNumber(meanKurtosis, forKey: .meanKurtosis)
        try c.encode(saved, forKey: .saved)
    }
}

/// `{"state_bytes": N}`: bytes of optimizer state, written once the optimizer exists.
struct StateBytesLine: Codable {
    let stateBytes: Int

    enum CodingKeys: String, CodingKey { case stateBytes = "state_bytes" }
}

/// `{"probe": {…}}`: what the probe measured at the step of the record before it.
struct ProbeLine: Codable {
    let probe: ProbeReport
}

extension KeyedEncodingContainer {
    /// A number, or null when absent or non-finite (JSON has no NaN).
    mutating func encodeNumber(_ value: Double?, forKey key: Key) throws {
        if let value, value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
