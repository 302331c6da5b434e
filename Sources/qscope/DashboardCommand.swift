import ArgumentParser
import Core
import Foundation
import TUI

/// The default command: the live dashboard, with the run training on a background thread.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Open the live dashboard and train (the default command).")

    @OptionGroup var options: RunOptions

    @Option(help: "Theme: a name from themes/ (default, …) or a path to a .theme file.")
    var theme = "default"

    @Flag(help: "Draw with ASCII characters only (for fonts without braille).")
    var ascii = false

    @Flag(name: .customLong("no-color"), help: "No colours (NO_COLOR in the environment does the same).")
    var noColor = false

    func run() throws {
        let (config, corpus, checkpoint) = try options.prepare(defaultModel: "xs", defaultSteps: 4000)
        let savePath = options.save ?? "runs/\(config.optimizer)-\(config.model.name).safetensors"
        BLAS.threads = 1
        let board = RunBoard(), control = RunControl()
        let trainer = try Trainer(config: config, corpus: corpus, runID: 0, board: board, control: control,
                                  resumeFrom: checkpoint, resumePath: options.resume ?? "")
        let dashboard = Dashboard(
            board: board, controls: [0: control],
            options: DashboardOptions(
                theme: theme.hasSuffix(".theme") || theme.contains("/") ? .file(theme) : .named(theme),
                forceASCII: ascii, colorMode: noColor ? ColorMode.none : nil))
        // The terminal is checked before training starts, so "no TTY" costs nothing.
        try dashboard.checkTerminal()
        let thread = TrainerThread.start(trainer, control: control, savePath: savePath)
        let exit: Result<DashboardExit, Error> = Result { try dashboard.run() }
        control.requestStop()
        control.resume()
        thread.wait()
        let snapshot = board.snapshot(id: 0)
        var line = "\(snapshot?.status.rawValue ?? "stopped") at step \(snapshot?.step ?? 0)"
        if let val = snapshot?.valLoss { line += ", val loss \(String(format: "%.4f", val))" }
        switch thread.outcome?.saved {
        case .success(let path?): line += "; saved \(path)"
        case .failure(let error): line += "; could not save: \(error)"
        default: break
        }
        Output.line(line)
        _ = try exit.get()
    }
}
