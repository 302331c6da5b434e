import ArgumentParser
import Core
import Foundation
import Synchronization
import TUI

/// `qscope sweep-lr`: the study's per-optimizer learning-rate sweep, a geometric grid of full
/// runs, headless, reporting the best rate.
struct SweepLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-lr",
        abstract: "Train a geometric grid of learning rates and report the best one per optimizer.")

    @Option(help: "Optimizer, or `all`.")
    var optimizer = "all"

    @Option(help: "Model size.")
    var model = "tiny"

    @Option(help: "Grid points (the study uses 8).")
    var points = 8

    @Option(help: "Smallest rate (default: the optimizer's default rate / 16).")
    var min: Float?

    @Option(help: "Largest rate (default: the optimizer's default rate × 8).")
    var max: Float?

    @Option(help: "Steps per run.")
    var steps = 500





    @OptionGroup var shape: BatchOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Runs trained at once (default: one per core).")
    var parallel: Int?

    @Flag(help: "One JSON object per run, then one per optimizer with \"best\": true.")
    var json = false

    struct Point {
        let optimizer: String
        let lr: Float
    }

    func run() throws {
        guard points >= 2 else { throw QScopeError.badInput("--points must be at least 2") }
        let names = optimizer == "all" ? OptimizerFactory.names : [optimizer]
        var grid: [Point] = []
        var configs: [TrainConfig] = []
        for name in names {
            let base = OptimizerFactory.defaultPeakLearningRate(name)
            let lo = min ?? base / 16, hi = max ?? base * 8
            guard lo > 0, hi > lo else { throw QScopeError.badInput("need 0 < --min < --max") }
            for i in 0..<points {
                let lr = lo * Float(Math.pow(Double(hi / lo), Double(i) / Double(points - 1)))
                var config = TrainConfig(model: try ModelConfig.named(model))
                config.optimizer = name
                config.learningRate = lr
                config.steps = steps
                config.batch = shape.batch
                config.seq = shape.seq
                config.seed = data.seed
                config.evalEvery = 0
                config.threads = 1
                try config.validate()
                grid.append(Point(optimizer: name, lr: lr))
                configs.append(config)
            }
        }
        let text = try data.loadCorpus()
        BLAS.threads = 1
        let board = RunBoard()
        let workers = Swift.max(1, parallel ?? ProcessInfo.processInfo.activeProcessorCount)
        // The bar redraws in place, so it is drawn only on a terminal.
        let progress = SweepProgress(total: configs.count * steps, enabled: !json && isatty(STDERR_FILENO) == 1)
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        var running: [TrainerThread] = []
        var next = 0
        while next < configs.count || !running.isEmpty {
            running.removeAll { $0.outcome != nil }
            while running.count < workers && next < configs.count {
                let id = next, config = configs[id], control = RunControl()
                running.append(try TrainerThread.start(control: control, savePath: nil, onLog: { log in
                    progress.advance(run: id, to: log.step)
                }) {
                    try Trainer(config: config, corpus: text, runID: id, board: board, control: control)
                })
                next += 1
            }
            if signals.interrupted {
                running.forEach { $0.control.requestStop() }
                next = configs.count
            }
            Thread.sleep(forTimeInterval: 0.05)
            progress.draw()
        }
        progress.finish()
        report(grid: grid, board: board)
    }

    private func report(grid: [Point], board: RunBoard) {
        var best: [String: (lr: Float, loss: Double)] = [:]
        for (id, point) in grid.enumerated() {
            let snapshot = board.snapshot(id: id)
            let loss = snapshot?.status == .finished ? snapshot?.valLoss : nil
            if let loss, loss < (best[point.optimizer]?.loss ?? .infinity) { best[point.optimizer] = (point.lr, loss) }
            if json {
                Output.line(JSONLine.encode([
                    ("optimizer", .string(point.optimizer)), ("lr", .double(Double(point.lr))),
                    ("val_loss", .number(loss)),
                    ("status", .string(snapshot?.status.rawValue ?? "failed")), ("steps", .int(snapshot?.step ?? 0)),
                ]))
            } else {
                let shown = loss.map { String(format: "%.4f", $0) } ?? (snapshot?.status.rawValue ?? "failed")
                Output.line("\(Format.pad(point.optimizer, to: 8)) lr \(String(format: "%.3e", point.lr))  val \(shown)")
            }
        }
        for name in Set(grid.map(\.optimizer)).sorted() {
            guard let b = best[name] else {
                Output.line(json ? JSONLine.encode([("optimizer", .string(name)), ("best", .bool(true)), ("best_lr", .null)])
                                 : "\(name): every run diverged")
                continue
            }
            if json {
                Output.line(JSONLine.encode([
                    ("optimizer", .string(name)), ("best", .bool(true)), ("best_lr", .double(Double(b.lr))),
                    ("best_val_loss", .double(b.loss)),
                ]))
            } else {
                Output.line("best \(name): lr \(String(format: "%.3e", b.lr)) (val loss \(String(format: "%.4f", b.loss)))")
            }
        }
    }
}

/// A one-line progress bar on stderr, fed from trainer threads.
final class SweepProgress: Sendable {
    private let total: Int
    private let enabled: Bool
    private let steps = Mutex<[Int: Int]>([:])
    private let started = Date()

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func advance(run: Int, to step: Int) {
        steps.withLock { $0[run] = step }
    }

    func draw() {
        guard enabled else { return }
        let done = steps.withLock { $0.values.reduce(0, +) }
        let fraction = Double(done) / Double(Swift.max(total, 1))
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%%  eta %4.0fs ", bar, fraction * 100, eta).utf8))
    }

    func finish() {
        guard enabled else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
