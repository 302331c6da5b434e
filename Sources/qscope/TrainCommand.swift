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
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let threads = try runs.start(
            board: board,
            savePath: { options.savePath(for: $0, runCount: runs.configs.count, defaultDirectory: nil) },
            onLog: { config in
                let prefix = several ? Format.pad(config.optimizer, to: 8) : ""
                return { log in
                    Output.line(json ? JSONLine.record(log, optimizer: several ? config.optimizer : nil)
                                     : prefix + ProgressLine.text(log, total: config.steps))
                }
            })
        for thread in threads {
            while !thread.wait(seconds: 0.1) {
                if signals.interrupted { threads.forEach { $0.control.requestStop() } }
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
