import Core
import Foundation
import TUI

/// Trains runs without a terminal UI, each a `RunSession`: at most `parallel` at once, progress
/// lines, `--json` records or a progress bar as they go, and Ctrl-C (or a hangup or TERM)
/// stopping every run, which then saves as it ends.
struct HeadlessTraining {
    /// What is printed while the runs train.
    enum Reporting: Equatable {
        /// A line per log record, then one per run.
        case lines
        /// The records and final records as JSON lines.
        case json
        /// Nothing per record; a progress bar on a terminal (the caller reports).
        case progressBar
    }

    /// How one run ended.
    struct Result {
        let spec: RunSpec
        let end: RunEnd
        let snapshot: RunSnapshot?
    }

    let runs: PreparedRuns
    var reporting: Reporting = .lines
    /// Runs trained at once (nil: all of them).
    var parallel: Int?

    /// Trains every run to the end (or an interrupt) and returns how each ended.
    func run() throws -> [Result] {
        let board = RunBoard(), specs = runs.specs, several = specs.count > 1
        if case .lines = reporting { specs.forEach { Output.line(Self.banner($0, corpus: runs.corpus.name)) } }
        let progress = SweepProgress(total: specs.reduce(0) { $0 + $1.steps },
                                     enabled: reporting == .progressBar && isatty(STDERR_FILENO) == 1)
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let sessions = try RunQueue(parallel: parallel ?? specs.count).run(count: specs.count, start: { index in
            try runs.start(index, id: index, board: board,
                           onLog: onLog(specs[index], id: index, several: several, progress: progress))
        }, interrupted: { signals.interrupted }, tick: progress.draw)
        progress.finish()
        return zip(specs, sessions).enumerated().map { id, pair in
            let end = pair.1?.end(on: board) ?? RunEnd(status: .stopped, step: 0, message: "not started (interrupted)")
            report(end, several: several)
            return Result(spec: pair.0, end: end, snapshot: board.snapshot(id: id))
        }
    }

    private func onLog(_ spec: RunSpec, id: Int, several: Bool, progress: SweepProgress) -> @Sendable (TrainLog) -> Void {
        let prefix = several ? Format.pad(spec.optimizer.rawValue, to: 8) : ""
        switch reporting {
        case .lines: return { Output.line(prefix + ProgressLine.text($0, total: spec.steps)) }
        case .json: return { Output.line(MetricsLog.line(TaggedRecord(optimizer: several ? spec.optimizer : nil, record: $0))) }
        case .progressBar: return { progress.advance(run: id, to: $0.step) }
        }
    }

    private func report(_ end: RunEnd, several: Bool) {
        switch reporting {
        case .json: Output.line(MetricsLog.line(end))
        case .lines:
            let val = end.valLoss.map { String(format: "%.4f", $0) } ?? "n/a"
            Output.line("\(end.optimizer?.rawValue ?? "run"): \(end.status.rawValue) at step \(end.step), val loss \(val)"
                        + (end.saved.map { ", saved \($0)" } ?? "") + (end.message.map { " (\($0))" } ?? ""))
        case .progressBar: break
        }
    }

    static func banner(_ spec: RunSpec, corpus: String) -> String {
        let bf16 = spec.precision == .bf16 ? ", bf16 products on \(BF16Kernel.best.shortName)" : ""
        return "training \(spec.name) (\(Format.count(Double(spec.model.parameterCount))) parameters, lr \(spec.learningRate)"
            + "\(spec.qat.map { ", QAT \($0.label)" } ?? "")\(bf16)) on \(corpus): "
            + "\(spec.steps) steps of \(spec.batch)×\(spec.seq) tokens"
    }
}

/// A `--json` record of one of several runs: the record with its optimizer's name.
struct TaggedRecord: Encodable {
    let optimizer: OptimizerKind?
    let record: TrainLog

    private enum Keys: String, CodingKey { case optimizer }

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(optimizer, forKey: .optimizer)
    }
}
