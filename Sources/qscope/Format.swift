import Core
import Foundation
import TUI

/// The headless progress line, one per log record.
enum ProgressLine {
    static func text(_ log: TrainLog, total: Int) -> String {
        let width = String(total).count
        let step = String(repeating: " ", count: max(0, width - String(log.step).count)) + String(log.step)
        var line = "step \(step)/\(total)"
        guard let loss = log.loss else {
            return line + "  val \(log.valLoss.map { String(format: "%.4f", $0) } ?? "n/a") (initial)"
        }
        line += "  loss \(String(format: "%.4f", loss))"
        if let val = log.valLoss { line += "  val \(String(format: "%.4f", val))" }
        line += "  lr \(String(format: "%.2e", log.learningRate))"
        line += "  \(Format.count(log.tokensPerSecond)) tok/s  \(String(format: "%.1f", log.elapsed))s"
        return line
    }
}

/// One-object-per-line JSON output with stable snake_case keys.
enum JSONLine {
    static func record(_ log: TrainLog, optimizer: String? = nil) -> String {
        encode((optimizer.map { [("optimizer", JSONValue.string($0))] } ?? []) + [
            ("step", .int(log.step)), ("tokens", .int(log.tokens)), ("loss", log.loss.map(JSONValue.double) ?? .null),
            ("val_loss", log.valLoss.map(JSONValue.double) ?? .null), ("lr", .double(log.learningRate)),
            ("grad_norm", .double(log.gradNorm)), ("tokens_per_s", .double(log.tokensPerSecond)),
            ("elapsed_s", .double(log.elapsed)),
        ])
    }

    static func final(snapshot: RunSnapshot?, config: TrainConfig, saved: String?) -> String {
        encode([
            ("final", .bool(true)), ("status", .string(snapshot?.status.rawValue ?? "failed")),
            ("optimizer", .string(config.optimizer)), ("model", .string(config.model.name)),
            ("step", .int(snapshot?.step ?? 0)), ("tokens", .int(snapshot?.tokens ?? 0)),
            ("loss", snapshot?.trainLoss.map(JSONValue.double) ?? .null),
            ("val_loss", snapshot?.valLoss.map(JSONValue.double) ?? .null),
            ("params", .int(config.model.parameterCount)),
            ("params_non_embedding", .int(config.model.nonEmbeddingParameterCount)),
            ("qat", config.qat.map { .string($0.method.rawValue) } ?? .null),
            ("bits", config.qat.map { .int($0.weightBits) } ?? .null),
            ("act_bits", config.qat.map { .int($0.inputBits) } ?? .null),
            ("elapsed_s", .double(snapshot?.elapsed ?? 0)),
            ("probe_s", .double(snapshot?.probeSeconds ?? 0)),
            ("ptq_rtn_increase", snapshot?.ptq.map { .double($0.rtn - $0.fullPrecision) } ?? .null),
            ("r_l", snapshot?.propagation.map { .double($0.outputError) } ?? .null),
            ("mean_mmr", snapshot?.layers?.mean(.mmr).map(JSONValue.double) ?? .null),
            ("mean_kurtosis", snapshot?.layers?.mean(.kurtosis).map(JSONValue.double) ?? .null),
            ("saved", saved.map(JSONValue.string) ?? .null),
            ("message", snapshot?.message.map(JSONValue.string) ?? .null),
        ])
    }

    enum JSONValue {
        case int(Int), double(Double), string(String), bool(Bool), null
    }

    /// Keys keep the given order, which JSONSerialization would not.
    static func encode(_ fields: [(String, JSONValue)]) -> String {
        let body = fields.map { key, value -> String in
            let rendered: String
            switch value {
            case .int(let v): rendered = String(v)
            case .double(let v): rendered = v.isFinite ? String(v) : "null"
            case .string(let v): rendered = quote(v)
            case .bool(let v): rendered = v ? "true" : "false"
            case .null: rendered = "null"
            }
            return "\(quote(key)):\(rendered)"
        }
        return "{" + body.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String { JSONText.quote(s) }
}

/// Writes whole lines to stdout unbuffered, so a reader of a pipe sees each record at once.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
