import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope sweep-lr`: the study's per-optimizer learning-rate sweep, a geometric grid of full
/// runs, headless, reporting the best rate.
struct SweepLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-lr",
        abstract: "Train a geometric grid of learning rates and report the best one per optimizer.")

    @OptionGroup var options: RunOptions

    @Option(help: "Grid points (the study uses 8).")
    var points = 8

    @Option(help: "Smallest rate (default: the optimizer's default rate / 16).")
    var min: Float?

    @Option(help: "Largest rate (default: the optimizer's default rate × 8).")
    var max: Float?

    @Option(help: "Runs trained at once (default: one per core).")
    var parallel: Int?

    @Flag(help: "One JSON object per run, then one per optimizer with \"best\": true.")
    var json = false

    func run() throws {
        guard points >= 2 else { throw QScopeError.badInput("--points must be at least 2") }
        guard options.save == nil else { throw QScopeError.badInput("sweep-lr keeps no checkpoints; drop --save") }
        // A sweep run evaluates only at its end, probes nothing and takes one core; flags override.
        var sweep = RunOverrides()
        (sweep.evalEvery, sweep.statsEvery, sweep.threads) = (0, 0, 1)
        let bases = try RunOptions.naming(file: try options.runFile(), flags: try options.flagOverrides()) {
            try options.overrides().overriding(sweep).specs(RunDefaults(optimizer: .all, steps: 500, cores: 1))
        }
        var grid: [RunSpec] = []
        for base in bases {
            let lo = min ?? base.optimizer.defaultPeakLearningRate / 16, hi = max ?? base.optimizer.defaultPeakLearningRate * 8
            guard lo > 0, hi > lo else { throw QScopeError.badInput("need 0 < --min < --max") }
            for i in 0..<points {
                var spec = base
                spec.learningRate = lo * Float(Math.pow(Double(hi / lo), Double(i) / Double(points - 1)))
                grid.append(spec)
            }
        }
        let runs = PreparedRuns(specs: grid, corpus: try Corpus.named(grid[0].corpus), resume: nil)
        let results = try HeadlessTraining(runs: runs, reporting: .progressBar,
                                           parallel: parallel ?? ProcessInfo.processInfo.activeProcessorCount).run()
        report(results)
    }

    private func report(_ results: [HeadlessTraining.Result]) {
        var best: [OptimizerKind: (lr: Float, loss: Double)] = [:]
        for result in results {
            let spec = result.spec, end = result.end
            let loss = end.status == .finished ? end.valLoss : nil
            if let loss, loss < (best[spec.optimizer]?.loss ?? .infinity) { best[spec.optimizer] = (spec.learningRate, loss) }
            if json {
                Output.line(JSONLine.encode([
                    ("optimizer", .string(spec.optimizer.rawValue)), ("lr", .double(Double(spec.learningRate))),
                    ("val_loss", .number(loss)), ("status", .string(end.status.rawValue)), ("steps", .int(end.step)),
                ]))
            } else {
                let shown = loss.map { String(format: "%.4f", $0) } ?? end.status.rawValue
                Output.line("\(Format.pad(spec.optimizer.rawValue, to: 8)) lr \(String(format: "%.3e", spec.learningRate))  val \(shown)")
            }
        }
        for kind in OptimizerKind.allCases where results.contains(where: { $0.spec.optimizer == kind }) {
            guard let b = best[kind] else {
                Output.line(json ? JSONLine.encode([("optimizer", .string(kind.rawValue)), ("best", .bool(true)), ("best_lr", .null)])
                                 : "\(kind): every run diverged")
                continue
            }
            if json {
                Output.line(JSONLine.encode([
                    ("optimizer", .string(kind.rawValue)), ("best", .bool(true)), ("best_lr", .double(Double(b.lr))),
                    ("best_val_loss", .double(b.loss)),
                ]))
            } else {
                Output.line("best \(kind): lr \(String(format: "%.3e", b.lr)) (val loss \(String(format: "%.4f", b.loss)))")
            }
        }
    }
}
