import Foundation

/// One line of a run's metrics log, the JSON-lines file `qscope train --save PATH` appends
/// beside its checkpoint (`MetricsLog.path(forCheckpoint:)`) and `qscope watch` follows.
///
/// The file is a header object, then one object per log record (the same object `--json`
/// prints per step) with, after the record of a step the probe measured, `{"probe": {…}}`
/// (`ProbeReport.logLine`), then a final object (`--json`'s `"final": true` line) when the run ends.
/// A resumed run appends a second header and carries on.
public enum MetricsLogLine: Equatable, Sendable {
    case header(MetricsLogHeader)
    case record(TrainLog)
    /// What the run's probe measured (per-layer statistics, error propagation, PTQ losses).
    case probe(ProbeReport)
    /// Bytes of optimizer state, written once the optimizer exists: `{"state_bytes": N}`.
    case optimizerState(bytes: Int)
    /// How the run ended, and at which step.
    case end(status: RunStatus, step: Int, message: String?)

    /// Parses one line; nil when it is not JSON or not one of the three shapes.
    public init?(json line: Substring) {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let fields = JSONFields(object)
        if object.count == 1, let bytes = fields.int("state_bytes") {
            self = .optimizerState(bytes: bytes)
        } else if object["probe"] != nil {
            guard let report = ProbeReport(logLine: data) else { return nil }
            self = .probe(report)
        } else if let run = fields.string("run") {
            guard let optimizer = fields.string("optimizer"), let model = fields.string("model"),
                  let totalSteps = fields.int("total_steps"), let params = fields.int("params") else { return nil }
            self = .header(MetricsLogHeader(run: run, optimizer: optimizer, model: model, totalSteps: totalSteps,
                                            parameterCount: params, qat: fields.string("qat")))
        } else if object["final"] as? Bool == true {
            guard let status = fields.string("status").flatMap(RunStatus.init(rawValue:)),
                  let step = fields.int("step") else { return nil }
            self = .end(status: status, step: step, message: fields.string("message"))
        } else {
            guard let step = fields.int("step"), let tokens = fields.int("tokens"),
                  let learningRate = fields.double("lr"), let gradNorm = fields.double("grad_norm"),
                  let tokensPerSecond = fields.double("tokens_per_s"), let elapsed = fields.double("elapsed_s")
            else { return nil }
            self = .record(TrainLog(step: step, tokens: tokens, loss: fields.double("loss"),
                                    valLoss: fields.double("val_loss"), learningRate: learningRate,
                                    gradNorm: gradNorm, tokensPerSecond: tokensPerSecond, elapsed: elapsed))
        }
    }
}

/// Who a logged run is: the metrics log's first line.
public struct MetricsLogHeader: Equatable, Sendable {
    /// Display name, e.g. `adamw/tiny`, as the trainer names its snapshot.
    public var run: String
    public var optimizer: String
    public var model: String
    public var totalSteps: Int
    public var parameterCount: Int
    /// The QAT setting, e.g. `quest w4a4`; nil for full precision.
    public var qat: String? = nil
}

/// Where metrics logs live.
public enum MetricsLog {
    /// The ending that marks a file as a metrics log.
    public static let suffix = ".metrics.jsonl"

    /// `runs/x.safetensors` → `runs/x.metrics.jsonl`: the log beside its checkpoint.
    public static func path(forCheckpoint checkpoint: String) -> String {
        let stem = checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(".safetensors".count)) : checkpoint
        return stem + suffix
    }
}

/// Typed reads from a decoded JSON object; `null` and wrong types read as nil.
private struct JSONFields {
    let object: [String: Any]

    init(_ object: [String: Any]) { self.object = object }

    func string(_ key: String) -> String? { object[key] as? String }

    func double(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }

    func int(_ key: String) -> Int? {
        guard let value = double(key), value.rounded() == value, abs(value) < 1e15 else { return nil }
        return Int(value)
    }
}
