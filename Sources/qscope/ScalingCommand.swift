import ArgumentParser
import Analysis
import Core
import Foundation

/// `qscope scaling RESULTS.jsonl...`: the iso-ratio QAT scaling law per optimizer (docs/analysis.md §6)
/// from the final records `qscope train --json` prints.
struct ScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Fit L = A/(N·ρ)^α + E per optimizer to the final records of `train --json` runs (FP and QAT).")

    @Argument(help: "Files of `qscope train --json` output; the records with \"final\": true are used.")
    var results: [String]

    @Option(help: "Which N: non-embedding (QuEST's choice) or total parameters.")
    var count = "non-embedding"

    @Option(name: .customLong("huber-delta"), help: "Where the Huber loss on log-loss residuals turns linear.")
    var huberDelta = 1e-3

    @Flag(help: "One JSON object per optimizer.")
    var json = false

    func run() throws {
        guard ["non-embedding", "total"].contains(count) else {
            throw QScopeError.badInput("--count must be non-embedding or total (got '\(count)')")
        }
        guard huberDelta > 0 else { throw QScopeError.badInput("--huber-delta must be positive") }
        var points: [String: [ScalingLaw.Point]] = [:]
        for path in results {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw QScopeError.badInput("\(path): file not found")
            }
            for (optimizer, point) in try Self.points(in: String(decoding: data, as: UTF8.self), path: path,
                                                      total: count == "total") {
                points[optimizer, default: []].append(point)
            }
        }
        guard !points.isEmpty else {
            throw QScopeError.badInput("no finished runs in \(results.joined(separator: ", ")): give `train --json` output")
        }
        if !json { Output.line("optimizer  runs          A      alpha        E   rho_qat       cost") }
        for optimizer in OptimizerKind.allCases.map(\.rawValue) where points[optimizer] != nil {
            let runs = points[optimizer]!
            do {
                let law = try ScalingLaw.fit(runs, huberDelta: huberDelta)
                let hasQAT = runs.contains(where: \.quantized)
                if json {
                    Output.line(JSONLine.encode([
                        ("optimizer", .string(optimizer)), ("runs", .int(runs.count)), ("a", .double(law.scale)),
                        ("alpha", .double(law.alpha)), ("e", .double(law.irreducible)),
                        ("rho_qat", hasQAT ? .double(law.efficiency) : .null), ("cost", .double(law.cost)),
                    ]))
                } else {
                    Output.line(optimizer.padding(toLength: 9, withPad: " ", startingAt: 0)
                        + String(format: " %5d  %9.3g  %9.4f  %7.4f  ", runs.count, law.scale, law.alpha, law.irreducible)
                        + (hasQAT ? String(format: "%8.4f", law.efficiency) : "     n/a") + String(format: "  %9.2e", law.cost))
                }
            } catch let error as QScopeError {
                Output.line(json ? JSONLine.encode([("optimizer", .string(optimizer)), ("error", .string(error.description))])
                                 : "\(optimizer): \(error.description)")
            }
        }
    }

    /// (optimizer, point) for every finished run in `text`.
    static func points(in text: String, path: String, total: Bool) throws -> [(String, ScalingLaw.Point)] {
        var found: [(String, ScalingLaw.Point)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            // The records `train --json` wrote, decoded by the metrics log's reader; only final
            // records count, and one that does not decode is an error rather than a lost point.
            guard let record = MetricsLogLine(json: line) else {
                if line.contains("\"final\"") {
                    throw QScopeError.badInput("\(path):\(number + 1): a malformed final record")
                }
                continue
            }
            guard case .end(let end) = record, end.status == .finished else { continue }
            guard let optimizer = end.optimizer, let loss = end.valLoss,
                  let n = total ? end.parameterCount : end.nonEmbeddingParameterCount else {
                throw QScopeError.badInput("\(path):\(number + 1): a final record needs optimizer, val_loss and params")
            }
            found.append((optimizer.rawValue,
                          ScalingLaw.Point(parameters: Double(n), quantized: end.qat != nil, loss: loss)))
        }
        return found
    }
}
