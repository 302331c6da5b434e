import ArgumentParser
import Core
import Foundation
import TUI

/// The default command: the live dashboard, with each run training on its own thread.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the live dashboard and train all six optimizers side by side (the default command).")

    @OptionGroup var options: RunOptions

    @OptionGroup var display: DisplayOptions

    func run() throws {
        // With no optimizer named, the dashboard compares all six on the same data and seed.
        let runs = try options.prepare(defaultOptimizer: "all", defaultModel: "tiny", defaultSteps: 3000)
        BLAS.threads = 1
        let board = RunBoard()
        let controls = runs.configs.indices.map { _ in RunControl() }
        let dashboard = Dashboard(
            board: board, controls: Dictionary(uniqueKeysWithValues: controls.enumerated().map { ($0, $1) }),
            options: try display.dashboardOptions())
        // The terminal is checked before training starts, so "no TTY" costs nothing.
        try dashboard.checkTerminal()
        let threads = try runs.start(board: board, controls: controls, savePath: {
            options.savePath(for: $0, runCount: runs.configs.count, defaultDirectory: "runs")
        })
        let exit = Result { try dashboard.run() }
        for thread in threads {
            thread.control.requestStop()
            thread.control.resume()
        }
        for (id, thread) in threads.enumerated() {
            thread.wait()
            let snapshot = board.snapshot(id: id)
            var line = "\(snapshot?.name ?? "run \(id)"): \(snapshot?.status.rawValue ?? "stopped") at step \(snapshot?.step ?? 0)"
            if let val = snapshot?.valLoss { line += ", val loss \(String(format: "%.4f", val))" }
            switch thread.outcome?.saved {
            case .success(let path?): line += "; saved \(path)"
            case .failure(let error): line += "; could not save: \(error)"
            default: break
            }
            Output.line(line)
        }
        _ = try exit.get()
    }
}
