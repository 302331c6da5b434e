import Analysis
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

/// One-object-per-line JSON output with stable snake_case keys, in the order given (training
/// records and final records are `MetricsLog`'s Codable lines instead).
enum JSONLine {
    enum JSONValue {
        case int(Int), double(Double), string(String), bool(Bool), null

        /// A number that may be absent: null then (a non-finite one also renders as null).
        static func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }
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

    /// A number as JSON writes it: null when it is not finite (JSON has no NaN).
    static func number(_ value: Double) -> String { value.isFinite ? String(value) : "null" }
}

/// Writes whole lines to stdout unbuffered, so a reader of a pipe sees each record at once.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// `value` in `format`, or "n/a" when it is absent.
    static func number(_ value: Double?, _ format: String) -> String {
        value.map { String(format: format, $0) } ?? "n/a"
    }

    /// Each predictor's Pearson and Spearman correlation with the PTQ loss increase: one JSON
    /// object per metric, or a small table (with a note when fewer than 3 `units` were measured).
    static func correlations(_ list: [Predictors.Correlations], json: Bool, measured: Int, units: String) {
        for c in list where json {
            line(JSONLine.encode([("metric", .string(c.metric)), ("pearson", .number(c.pearson)),
                                  ("spearman", .number(c.spearman)), ("n", .int(c.count))]))
        }
        guard !json else { return }
        line("")
        line("predictor of the RTN increase   Pearson  Spearman")
        for c in list {
            line(Format.pad(c.metric, to: 30) + Format.padLeft(number(c.pearson, "%+.3f"), to: 9)
                 + Format.padLeft(number(c.spearman, "%+.3f"), to: 10))
        }
        if measured < 3 { line("(correlations need at least 3 \(units))") }
    }
}
