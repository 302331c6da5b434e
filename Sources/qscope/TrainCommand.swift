import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope train`: one run, or all six optimizers side by side, headless.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train headless (progress lines, or JSON with --json).")

    @OptionGroup var options: RunOptions

    @Flag(help: "Run without the dashboard (the only mode of this command; accepted for clarity).")
    var headless = false

    @Flag(help: "Print one JSON object per log step and a final one per run with \"final\": true.")
    var json = false

    func run() throws {
        let runs = try options.prepare()
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
            try options.savePath(for: config, runCount: runs.configs.count, defaultDirectory: nil).map {
                try MetricsLogWriter(checkpoint: $0, config: config, resuming: runs.resumePath != nil)
            }
        }
        let logByOptimizer = Dictionary(uniqueKeysWithValues: zip(runs.configs.map(\.optimizer), logs))
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let threads = try runs.start(
            board: board,
            savePath: { options.savePath(for: $0, runCount: runs.configs.count, defaultDirectory: nil) },
            onLog: { config in
                let prefix = several ? Format.pad(config.optimizer, to: 8) : ""
                let log = logByOptimizer[config.optimizer] ?? nil
                return { record in
                    log?.append(record)
                    Output.line(json ? JSONLine.record(record, optimizer: several ? config.optimizer : nil)
                                     : prefix + ProgressLine.text(record, total: config.steps))
                }
            })
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
        var failed = false
        for (id, (thread, config)) in zip(threads, runs.configs).enumerated() {
            let snapshot = board.snapshot(id: id)
            let status = snapshot?.status ?? .failed
            failed = failed || status == .diverged || status == .failed
            var saved: String?
            switch thread.outcome?.saved {
            case .success(let path): saved = path
            case .failure(let error): throw error
            case nil: break
            }
            if json {
                Output.line(JSONLine.final(snapshot: snapshot, config: config, saved: saved))
            } else {
                let val = snapshot?.valLoss.map { String(format: "%.4f", $0) } ?? "n/a"
                Output.line("\(config.optimizer): \(status.rawValue) at step \(snapshot?.step ?? 0), val loss \(val)"
                            + (saved.map { ", saved \($0)" } ?? "") + (snapshot?.message.map { " (\($0))" } ?? ""))
            }
        }
        // A diverged run is reported, not fatal, when others trained alongside it.
        if failed && !several { throw ExitCode(1) }
    }
}
