import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope bench`: training throughput per model size, split into forward, backward, optimizer.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training throughput (tokens/s) and time per step for each model size.")

    @Option(help: "Model size, or `all`.")
    var model = "all"

    @Option(help: "Optimizer to time, or `all`.")
    var optimizer = "adamw"

    @Option(help: ArgumentHelp("An optimizer hyperparameter by its reference name, e.g. --hyper ns_dtype=bfloat16 (repeatable; every timed optimizer must take it).", valueName: "key=value"))
    var hyper: [String] = []

    @OptionGroup var qat: QATOptions
    @OptionGroup var shape: BatchOptions

    @Option(help: "Threads (data-parallel shards of the batch; default: every core).")
    var threads: Int?

    @Option(help: "Minimum seconds timed per size.")
    var seconds: Double = 2

    @Flag(help: "One JSON object per size.")
    var json = false

    @Flag(help: "Time the dashboard instead: ms to draw a 200×60 Training frame of six runs of 100k logged points.")
    var ui = false

    func run() throws {
        if ui { return benchUI() }
        let sizes = model == "all" ? ModelConfig.sizes : [try ModelConfig.named(model)]
        guard shape.batch > 0, shape.seq >= 2, seconds > 0 else {
            throw QScopeError.badInput("--batch and --seconds must be positive and --seq at least 2")
        }
        let optimizers = optimizer == "all" ? OptimizerFactory.names : [optimizer]
        let qat = try self.qat.config()
        var hyper = Hyper()
        for item in self.hyper { try hyper.set(cli: item) }
        for name in optimizers { _ = try OptimizerFactory.make(name, layout: ParameterLayout(config: sizes[0]), hyper: hyper) }
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard threads > 0 else { throw QScopeError.badInput("--threads must be positive") }
        let peak = Benchmark.sgemmPeak(threads: threads)
        if !json {
            Output.line("sgemm peak \(String(format: "%.0f", peak)) GFLOP/s on \(threads) threads; "
                  + "batch \(shape.batch)×\(shape.seq)\(qat.map { ", QAT \($0.label)" } ?? ""); opt ms is the mean over steps, refreshes included")
            Output.line("model  optimizer params   tokens/s   step ms  fwd ms  bwd ms  opt ms  GFLOP/s  %peak  state B/param")
        }
        for size in sizes {
            for name in optimizers {
                let result = try Benchmark.run(model: size, optimizer: name, hyper: hyper, batch: shape.batch, seq: shape.seq,
                                               threads: threads, qat: qat, minSeconds: seconds)
                Output.line(json ? jsonRecord(result, peak: peak) : tableRow(result, peak: peak))
            }
        }
    }

    private func benchUI() {
        let r = DashboardBenchmark.run()
        if json {
            Output.line(JSONLine.encode([
                ("width", .int(r.size.width)), ("height", .int(r.size.height)), ("runs", .int(r.runs)),
                ("logged_points", .int(r.loggedPoints)), ("kept_points", .int(r.keptPoints)), ("frames", .int(r.frames)),
                ("frame_ms", .double(r.medianMilliseconds)), ("frame_mean_ms", .double(r.meanMilliseconds)),
            ]))
        } else {
            Output.line("ui: \(r.size.width)×\(r.size.height) Training frame, \(r.runs) runs × \(r.loggedPoints) logged points "
                + "(\(r.keptPoints) kept per series): \(String(format: "%.2f", r.medianMilliseconds)) ms per frame "
                + "(median of \(r.frames); mean \(String(format: "%.2f", r.meanMilliseconds)))")
        }
    }

    private func jsonRecord(_ r: Benchmark.Result, peak: Double) -> String {
        JSONLine.encode([
            ("model", .string(r.model.name)), ("optimizer", .string(r.optimizer)), ("params", .int(r.model.parameterCount)),
            ("batch", .int(r.batch)), ("seq", .int(r.seq)), ("threads", .int(r.threads)),
            ("qat", r.qat.map { .string($0.label) } ?? .null),
            ("tokens_per_s", .double(r.tokensPerSecond)), ("step_ms", .double(r.stepMs)),
            ("forward_ms", .double(r.forwardMs)), ("backward_ms", .double(r.backwardMs)),
            ("optimizer_ms", .double(r.optimizerMs)), ("optimizer_mean_ms", .double(r.optimizerMeanMs)),
            ("gflops", .double(r.gflops)), ("sgemm_peak_gflops", .double(peak)),
            ("state_bytes_per_param", .double(r.stateBytesPerParameter)),
        ])
    }

    private func tableRow(_ r: Benchmark.Result, peak: Double) -> String {
        [Format.pad(r.model.name, to: 6), Format.pad(r.optimizer, to: 9),
         Format.pad(Format.count(Double(r.model.parameterCount)), to: 8),
         String(format: "%9.0f", r.tokensPerSecond), String(format: "%9.1f", r.stepMs),
         String(format: "%7.1f", r.forwardMs), String(format: "%7.1f", r.backwardMs),
         String(format: "%7.1f", r.optimizerMeanMs), String(format: "%8.1f", r.gflops),
         String(format: "%5.0f%%", 100 * r.gflops / peak), String(format: "%8.1f", r.stateBytesPerParameter)]
            .joined(separator: " ")
    }
}
