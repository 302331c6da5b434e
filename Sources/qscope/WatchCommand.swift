import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope watch DIR`: the dashboard on runs that train elsewhere, read from their metrics logs.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard on the runs in DIR (the *.metrics.jsonl logs `qscope train --save` writes), refreshing as they grow.")

    @Argument(help: "The directory holding the runs' metrics logs (the --save directory of qscope train).")
    var directory: String

    @OptionGroup var display: DisplayOptions

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw QScopeError.badInput("no such directory: \(directory)")
        }
        guard isDirectory.boolValue else {
            throw QScopeError.badInput("\(directory) is not a directory (give the directory holding the *.metrics.jsonl logs)")
        }
        let board = RunBoard()
        // No run controls: the runs belong to other processes, so the dashboard cannot pause them.
        let dashboard = Dashboard(board: board, controls: [:], options: try display.dashboardOptions())
        try dashboard.checkTerminal()
        let watcher = MetricsLogWatcher.start(directory: directory, board: board)
        defer { watcher.stop() }
        try dashboard.run()
    }
}
