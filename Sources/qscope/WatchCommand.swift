import ArgumentParser
import Core
import Foundation
import Study
import TUI

/// `qscope watch DIR`: the dashboard on runs that train elsewhere, read from their metrics logs.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Open the dashboard on the runs in DIR (the *.metrics.jsonl logs `qscope train --save` writes), or on the study in DIR (its study.sqlite, in the Study view), refreshing as they grow.")

    @Argument(help: "The directory holding the runs' metrics logs (the --save directory of qscope train), or a study's directory.")
    var directory: String

    @OptionGroup var display: DisplayOptions

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw QScopeError.badInput("no such directory: \(directory)")
        }
        // A study's store may be named itself: follow the study in its directory.
        let isStore = !isDirectory.boolValue && directory.hasSuffix(".sqlite")
        guard isDirectory.boolValue || isStore else {
            throw QScopeError.badInput("\(directory) is not a directory (give the directory holding the *.metrics.jsonl logs)")
        }
        let directory = isStore ? (self.directory as NSString).deletingLastPathComponent : self.directory
        let board = RunBoard()
        let store = isStore ? self.directory : ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent("study.sqlite")
        let study = FileManager.default.fileExists(atPath: store) ? try StudyMonitor.start(store: store) : nil
        defer { study?.stop() }
        // No run controls: the runs belong to other processes, so the dashboard cannot pause them.
        let dashboard = Dashboard(board: board, controls: [:], options: try display.dashboardOptions(), study: study)
        try dashboard.checkTerminal()
        // A study (local or on a cluster) keeps each run's log in runs/<id>/.
        let runs = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("runs")
        let logs = FileManager.default.fileExists(atPath: runs) ? runs : (directory.isEmpty ? "." : directory)
        let watcher = MetricsLogWatcher.start(directory: logs, board: board)
        defer { watcher.stop() }
        try dashboard.run()
    }
}
