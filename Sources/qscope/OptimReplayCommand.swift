import ArgumentParser
import Core
import Foundation

/// `qscope optim-replay FILE.json`: runs one optimizer on one matrix, step by step, so anyone can
/// check it against their own reference.
struct OptimReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optim-replay",
        abstract: "Replay an optimizer on a matrix and print the parameter after each step.",
        discussion: """
            FILE holds {"optimizer": NAME, "hyper": {...}, "param": [[...]], "grads": [[[...]], ...]}: \
            a 2-D parameter (treated as a hidden matrix) and its gradient at each step. NAME is one of \
            \(OptimizerKind.choices); hyper keys use the reference's names and \
            defaults. Prints {"params": [[[...]], ...]}.
            """)

    @Argument(help: "The replay file (JSON).")
    var file: String

    func run() throws {
        let replay = try OptimizerReplay.load(path: file)
        let params = try replay.run()
        let body = params.map { matrix in
            "[" + matrix.map { row in "[" + row.map(JSONLine.number).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }.joined(separator: ",")
        Output.line("{\"params\":[\(body)]}")
    }
}
