import Analysis
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
        let defaults = RunDefaults(optimizer: .all, steps: 3000, saveDirectory: "runs",
                                   cores: ProcessInfo.processInfo.activeProcessorCount)
        let prepared = try options.prepare(defaults)
        let board = RunBoard()
        let runs = DashboardRuns(prepared: prepared, overrides: try options.overrides(), defaults: defaults, board: board)
        let dashboard = Dashboard(board: board, controls: [:], options: try display.dashboardOptions(),
                                  launcher: runs.launcher)
        // The terminal is checked before training starts, so "no TTY" costs nothing.
        try dashboard.checkTerminal()
        dashboard.add(controls: try runs.startInitial())
        let exit = Result { try dashboard.run() }
        runs.stopAndJoin().forEach(Output.line)
        _ = try exit.get()
    }
}
