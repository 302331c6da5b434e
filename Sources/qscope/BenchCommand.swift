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
    var optimizer = OptimizerKind.adamw.rawValue

    @OptionGroup var hyper: HyperOptions

    @OptionGroup var qat: QATOptions
    @OptionGroup var shape: BatchOptions

    @Option(help: "Threads (data-parallel shards of the batch; default: every core).")
    var threads: Int?

    @Option(help: "Matrix products: fp32 or bf16 (bf16 operands, fp32 accumulation).")
    var precision = MatmulPrecision.fp32.rawValue

    @Option(help: "With --precision bf16: the kernel to time (amx, avx512bf16, emulated; default: the fastest this CPU has that passes its check).")
    var bf16Kernel: String?

    @Option(help: "Also time 20 steps from this step on, after training there untimed (0: no late window). Catches slowdowns that set in part-way through training.")
    var lateStep = 300

    @Option(help: "Minimum seconds timed per size.")
    var seconds: Double = 2

    @Flag(help: "One JSON object per size.")
    var json = false

    @Flag(help: "Time the dashboard instead: ms to draw a 200×60 Training frame of six runs of 100k logged points.")
    var ui = false

    func run() throws {
        if ui { return benchUI() }
        let sizes = model == "all" ? ModelConfig.sizes.map(\.name) : [model]
        guard seconds > 0 else { throw QScopeError.badInput("--seconds must be positive") }
        guard lateStep >= 0 else { throw QScopeError.badInput("--late-step must be 0 (off) or a step number") }
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        // Each timed run is a RunSpec like any other, validated before anything is timed.
        var overrides = RunOverrides()
        overrides.optimizer = try OptimizerChoice(named: optimizer)
        (overrides.batch, overrides.seq, overrides.threads) = (shape.batch, shape.seq, threads)
        (overrides.hyper, overrides.weightDecay) = (try hyper.parsed(), hyper.weightDecay)
        overrides.qat = try qat.overrides()
        overrides.precision = try MatmulPrecision(named: precision)
        if let bf16Kernel {
            guard overrides.precision == .bf16 else { throw QScopeError.badInput("--bf16-kernel needs --precision bf16") }
            try BF16KernelSelection.force(try BF16Kernel(named: bf16Kernel))
        }
        let specs = try sizes.flatMap { size -> [RunSpec] in
            overrides.model = size
            return try RunOptions.naming(file: nil, flags: overrides) { try overrides.specs(RunDefaults(cores: threads)) }
        }
        let peak = Benchmark.sgemmPeak(threads: threads)
        if !json, let first = specs.first {
            Output.line("\(CPU.modelName); \(BLASKernel.current.summary)")
            Output.line("sgemm peak \(String(format: "%.0f", peak)) GFLOP/s on \(threads) threads; \(first.precision) products "
                  + "(\(first.precision.kernelName)); batch \(first.batch)×\(first.seq)\(first.qat.map { ", QAT \($0.label)" } ?? ""); "
                  + "opt ms is the mean over steps, refreshes included" + (lateStep > 0 ? "; late: tokens/s from step \(lateStep)" : ""))
            Output.line("model  optimizer params   tokens/s   step ms  fwd ms  bwd ms  opt ms  GFLOP/s  %peak  state B/param"
                        + (lateStep > 0 ? "  late tok/s  late/early" : ""))
        }
        for spec in specs {
            let result = try Benchmark.run(spec, minSeconds: seconds, lateStep: lateStep)
            Output.line(json ? jsonRecord(result, peak: peak) : tableRow(result, peak: peak))
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
            ("model", .string(r.model.name)), ("optimizer", .string(r.spec.optimizer.rawValue)),
            ("params", .int(r.model.parameterCount)), ("batch", .int(r.spec.batch)), ("seq", .int(r.spec.seq)),
            ("threads", .int(r.spec.threads)), ("qat", r.spec.qat.map { .string($0.label) } ?? .null),
            ("precision", .string(r.spec.precision.rawValue)), ("matmul_kernel", .string(r.spec.precision.kernelName)),
            ("cpu", .string(CPU.modelName)), ("blas", .string(BLASKernel.current.summary)),
            ("tokens_per_s", .double(r.tokensPerSecond)), ("step_ms", .double(r.stepMs)),
            ("forward_ms", .double(r.forwardMs)), ("backward_ms", .double(r.backwardMs)),
            ("optimizer_ms", .double(r.optimizerMs)), ("optimizer_mean_ms", .double(r.optimizerMeanMs)),
            ("gflops", .double(r.gflops)), ("sgemm_peak_gflops", .double(peak)),
            ("state_bytes_per_param", .double(r.stateBytesPerParameter)),
            ("late_step", r.lateStep.map { .int($0) } ?? .null), ("late_tokens_per_s", .number(r.lateTokensPerSecond)),
        ])
    }

    private func tableRow(_ r: Benchmark.Result, peak: Double) -> String {
        [Format.pad(r.model.name, to: 6), Format.pad(r.spec.optimizer.rawValue, to: 9),
         Format.pad(Format.count(Double(r.model.parameterCount)), to: 8),
         String(format: "%9.0f", r.tokensPerSecond), String(format: "%9.1f", r.stepMs),
         String(format: "%7.1f", r.forwardMs), String(format: "%7.1f", r.backwardMs),
         String(format: "%7.1f", r.optimizerMeanMs), String(format: "%8.1f", r.gflops),
         String(format: "%5.0f%%", 100 * r.gflops / peak), String(format: "%8.1f", r.stateBytesPerParameter)]
            .joined(separator: " ")
            + (r.lateTokensPerSecond.map { String(format: "  %10.0f  %10.2f", $0, $0 / r.tokensPerSecond) } ?? "")
    }
}
