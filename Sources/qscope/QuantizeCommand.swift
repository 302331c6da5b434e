import ArgumentParser
import Analysis
import Core
import Foundation
import TUI

/// `qscope quantize CKPT --plan PLAN.toml`: what a layer-by-layer quantization plan does to a
/// checkpoint (docs/quantization.md §10): loss, final errors, ABC per module, bits and bytes.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Evaluate a per-layer quantization plan (TOML) on a checkpoint; optionally save the quantized model.")

    @Argument(help: "A checkpoint written by qscope (safetensors).")
    var checkpoint: String

    @Option(help: "The plan: a TOML file with [default], [kind.<q|k|v|o|up|down|head>] and [layer.\"blocks.L.<attn|mlp>.<kind>\"] tables (docs/quantization.md §10.1).")
    var plan: String

    @OptionGroup var measurement: PlanMeasurementOptions

    @OptionGroup var data: DataOptions

    @Option(help: "Write the quantized model here: fake-quantized weights, the plan in the metadata (loadable by ptq, analyze, train --resume).")
    var save: String?

    @Flag(help: "One JSON object per module, then a summary with \"summary\": true.")
    var json = false

    func run() throws {
        try measurement.validate()
        let file = try Safetensors.read(path: checkpoint)
        let spec = try Checkpoint.spec(of: file, path: checkpoint)
        let planFile = try TOMLFile(path: plan).decode(QuantizationPlan.self)
        let resolved: ResolvedQuantization
        do {
            resolved = try planFile.resolve(for: spec.model)
        } catch let error as QScopeError {
            throw QScopeError.badInput("\(plan): \(error)")
        }
        BLAS.useEveryCore()
        let evaluator = try measurement.evaluator(file: file, path: checkpoint, corpus: try Corpus.named(data.corpus))
        let start = Date()
        let result = try evaluator.evaluate(resolved)
        let seconds = Date().timeIntervalSince(start)
        if let save {
            let weights = try evaluator.quantizedWeights(resolved)
            try Checkpoint.rewrite(file, layout: evaluator.layout, parameters: weights,
                                   addingMetadata: [Checkpoint.quantPlanKey: resolved.plan.tomlText()], to: save)
        }
        if json {
            for module in result.propagation.modules { Output.line(JSONLine.encode(AnalyzeCommand.fields(module))) }
            Output.line(JSONLine.encode([("summary", .bool(true)), ("plan", .string(plan))]
                + PlanReport.fields(result) + [("seconds", .double(seconds))]))
            return
        }
        PlanReport.printLayers(result)
        Output.line("")
        PlanReport.printSummary(result, label: plan)
        Output.line(String(format: "(%.2f s)", seconds) + (save.map { "; quantized model written to \($0)" } ?? ""))
    }
}

/// How plans are measured: batches for the loss, the decomposition and GPTQ's calibration.
struct PlanMeasurementOptions: ParsableArguments {
    @Option(name: .customLong("eval-batches"), help: "Validation batches the loss averages over.")
    var evalBatches = 16

    @Option(help: "Validation batches the ABC decomposition averages over.")
    var batches = 4

    @Option(name: .customLong("calibration-batches"), help: "GPTQ: training batches whose layer inputs form the Hessian.")
    var calibrationBatches = 8

    func validate() throws {
        for (name, value) in [("--eval-batches", evalBatches), ("--batches", batches),
                              ("--calibration-batches", calibrationBatches)] where !(1...RunSpec.limit).contains(value) {
            throw QScopeError.badInput("\(name) must be 1 to \(RunSpec.limit)")
        }
    }

    func evaluator(file: Safetensors.File, path: String, corpus: Corpus) throws -> PlanEvaluator {
        try PlanEvaluator(file: file, path: path, corpus: corpus, evalBatches: evalBatches, propagationBatches: batches,
                          calibrationBatches: calibrationBatches)
    }
}

/// A plan evaluation as text and JSON fields, shared by `quantize` and `allocate`.
enum PlanReport {
    /// The summary's JSON fields: losses, the three final errors, ABC totals and the footprint.
    static func fields(_ r: PlanEvaluation) -> [(String, JSONLine.JSONValue)] {
        let summary = PropagationSummary(r.propagation), f = r.footprint
        return [
            ("val_loss_fp", .double(r.fullPrecisionLoss)), ("val_loss_quantized", .double(r.quantizedLoss)),
            ("increase", .double(r.increase)), ("r_final", .number(r.propagation.finalHiddenError)),
            ("r_logits", .double(r.propagation.outputError)), ("output_kl", .number(r.propagation.outputKL)),
            ("propagated_share", .double(summary.propagatedShare)),
            ("average_weight_bits", .double(f.averageWeightBits)),
            ("average_activation_bits", .double(f.averageActivationBits)), ("bits_per_weight", .double(f.bitsPerWeight)),
            ("model_bytes", .int(f.modelBytes)), ("full_precision_bytes", .int(f.fullPrecisionBytes)),
        ]
    }

    /// One line per block linear: its setting, its R and local error B, and its input quantizer's B.
    static func printLayers(_ r: PlanEvaluation) {
        let modules = Dictionary(r.propagation.modules.map { ($0.name, $0) }) { first, _ in first }
        Output.line("layer                  setting             R          B    input B")
        for id in r.plan.layers.keys.sorted() {
            let linear = modules[id.parameterName]
            // q, k and v share one input quantizer when theirs are alike.
            let shared = [.q, .k, .v].contains(id.kind) ? modules["blocks.\(id.layer).attn.qkv.input_quant"] : nil
            let input = modules[id.parameterName + ".input_quant"] ?? shared
            func value(_ x: Double?) -> String { x.map { String(format: "%.3e", $0) } ?? "        -" }
            Output.line(id.description.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                        + r.plan.layers[id]!.description.padding(toLength: 18, withPad: " ", startingAt: 0)
                        + " \(value(linear?.r))  \(value(linear?.b))  \(value(input?.b))")
        }
        if r.plan.head != .full { Output.line("head".padding(toLength: 23, withPad: " ", startingAt: 0) + r.plan.head.description) }
    }

    /// The losses, final errors and footprint in three lines.
    static func printSummary(_ r: PlanEvaluation, label: String) {
        let p = r.propagation, f = r.footprint
        Output.line(String(format: "%@: val loss %.4f → %.4f (%+.4f)", label, r.fullPrecisionLoss, r.quantizedLoss,
                           r.increase))
        Output.line("final error: R final " + (p.finalHiddenError.map { String(format: "%.4e", $0) } ?? "n/a")
                    + String(format: ", R logits %.4e, output KL ", p.outputError)
                    + (p.outputKL.map { String(format: "%.4e nats", $0) } ?? "n/a")
                    + String(format: "; propagated share %.0f%%", 100 * PropagationSummary(p).propagatedShare))
        Output.line(String(format: "bits: W %.2f A %.2f average, %.2f stored per weight; model %@ (full precision %@)",
                           f.averageWeightBits, f.averageActivationBits, f.bitsPerWeight,
                           Format.bytes(f.modelBytes), Format.bytes(f.fullPrecisionBytes)))
    }
}
