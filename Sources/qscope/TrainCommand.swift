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
        let runs = try options.prepare(RunDefaults(cores: ProcessInfo.processInfo.activeProcessorCount))
        let results = try HeadlessTraining(runs: runs, reporting: json ? .json : .lines).run()
        // A diverged run is reported, not fatal, when others trained alongside it.
        if results.count == 1, let end = results.first?.end, end.status == .diverged || end.status == .failed {
            throw QScopeError.runtime("the run \(end.status.rawValue)\(end.message.map { ": \($0)" } ?? "")")
        }
    }
}
