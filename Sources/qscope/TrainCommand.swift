import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope train`: one run, headless, with progress lines or JSON records.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model headless (progress lines, or JSON with --json).")

    @OptionGroup var options: RunOptions

    @Flag(help: "Run without the dashboard (the only mode of this command; accepted for clarity).")
    var headless = false

    @Flag(help: "Print one JSON object per log step and a final one with \"final\": true.")
    var json = false

    func run() throws {
        let (config, corpus, checkpoint) = try options.prepare()
        BLAS.threads = 1
        let board = RunBoard(), control = RunControl()
        let trainer = try Trainer(config: config, corpus: corpus, runID: 0, board: board, control: control,
                                  resumeFrom: checkpoint, resumePath: options.resume ?? "")
        let parameterCount = trainer.model.layout.totalCount
        let json = self.json
        if !json {
            Output.line("training \(config.optimizer)/\(config.model.name) (\(Format.count(Double(parameterCount))) parameters) "
                  + "on \(corpus.name): \(config.steps) steps of \(config.batch)×\(config.seq) tokens")
        }
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let thread = TrainerThread.start(trainer, control: control, savePath: options.save, onLog: { log in
            Output.line(json ? JSONLine.record(log) : ProgressLine.text(log, total: config.steps))
        })
        while !thread.wait(seconds: 0.1) {
            if signals.interrupted { control.requestStop() }
        }
        let snapshot = board.snapshot(id: 0)
        let status = snapshot?.status ?? .failed
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
            Output.line("\(status.rawValue) at step \(snapshot?.step ?? 0): val loss \(val)"
                  + (saved.map { ", saved \($0)" } ?? "") + (snapshot?.message.map { " (\($0))" } ?? ""))
        }
        if status == .diverged || status == .failed { throw ExitCode(1) }
    }
}
