import Core
import Foundation
import TUI

/// Trains prepared runs without a terminal UI: progress lines (or `--json` records), a metrics
/// log beside each checkpoint for `qscope watch`, Ctrl-C stopping every run and saving it.
struct HeadlessTraining {
    /// How one run ended.
    struct Result {
        let config: TrainConfig
        let snapshot: RunSnapshot?
        let status: RunStatus
        /// Where the run was saved, if it was.
        let saved: String?
    }

    let runs: PreparedRuns
    let savePath: (TrainConfig) -> String?
    let json: Bool

    /// Trains every run to the end (or Ctrl-C), printing as it goes and a final line per run.
    func run() throws -> [Result] {
        BLAS.threads = 1
        let board = RunBoard()
        let json = self.json, several = runs.configs.count > 1
        if !json {
            for c in runs.configs {
                Output.line("training \(c.optimizer)/\(c.model.name) (\(Format.count(Double(c.model.parameterCount))) "
                            + "parameters, lr \(c.learningRate)\(c.qat.map { ", QAT \($0.label)" } ?? "")) on \(runs.corpus.name): \(c.steps) steps of \(c.batch)×\(c.seq) tokens")
            }
        }
        // Beside each checkpoint, a metrics log that `qscope watch` can follow while this trains.
        let logs = try runs.configs.map { config in
            try savePath(config).map { try MetricsLogWriter(checkpoint: $0, config: config, resuming: runs.resumePath != nil) }
        }
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let threads = try runs.start(board: board, savePath: savePath, onLog: { id, config in
            let prefix = several ? Format.pad(config.optimizer, to: 8) : ""
            let log = logs[id]
            return { record in
                log?.append(record)
                Output.line(json ? JSONLine.record(record, optimizer: several ? config.optimizer : nil)
                                 : prefix + ProgressLine.text(record, total: config.steps))
            }
        })
        // The optimizer's size is known once each trainer exists, which `start` waited for.
        for (id, log) in logs.enumerated() {
            if let bytes = board.snapshot(id: id)?.optimizerStateBytes {
                log?.append(JSONLine.encode([("state_bytes", .int(bytes))]))
            }
        }
        // Each run's final line goes to its log as soon as that run ends (not after the others),
        // so a watcher sees a diverged run stop while the rest train on.
        var running = Set(threads.indices)
        while !running.isEmpty {
            if signals.interrupted { threads.forEach { $0.control.requestStop() } }
            for id in running.sorted() where threads[id].wait(seconds: 0.1 / Double(running.count)) {
                running.remove(id)
                let saved = (try? threads[id].outcome?.saved.get()) ?? nil
                logs[id]?.append(JSONLine.final(snapshot: board.snapshot(id: id), config: runs.configs[id], saved: saved))
            }
        }
        return try zip(threads, runs.configs).enumerated().map { id, pair in
            let (thread, config) = pair
            let snapshot = board.snapshot(id: id)
            let status = snapshot?.status ?? .failed
            let saved = try thread.outcome?.saved.get() ?? nil
            if json {
                Output.line(JSONLine.final(snapshot: snapshot, config: config, saved: saved))
            } else {
                let val = snapshot?.valLoss.map { String(format: "%.4f", $0) } ?? "n/a"
                Output.line("\(config.optimizer): \(status.rawValue) at step \(snapshot?.step ?? 0), val loss \(val)"
                            + (saved.map { ", saved \($0)" } ?? "") + (snapshot?.message.map { " (\($0))" } ?? ""))
            }
            return Result(config: config, snapshot: snapshot, status: status, saved: saved)
        }
    }
}
