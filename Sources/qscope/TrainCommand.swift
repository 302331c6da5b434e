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
        let results = try HeadlessTraining(
            runs: runs, savePath: { options.savePath(for: $0, runCount: runs.configs.count, defaultDirectory: nil) },
            json: json).run()
        // A diverged run is reported, not fatal, when others trained alongside it.
        let failed = results.contains { $0.status == .diverged || $0.status == .failed }
        if failed && results.count == 1 { throw ExitCode(1) }
    }
}
