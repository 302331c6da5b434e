import ArgumentParser
import Analysis
import Core
import Foundation
import TUI

/// `qscope predict CKPT...`: which metric predicts PTQ damage across optimizers (docs/analysis.md §4).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Correlate MMR, kurtosis and R_L with the W4A4 PTQ loss increase across checkpoints.")

    @Argument(help: "Checkpoints written by qscope, one per optimizer (at least 3 for a correlation).")
    var checkpoints: [String]

    @OptionGroup var quantization: QuantBitsOptions

    @Option(name: .customLong("eval-batches"), help: "Validation batches for the PTQ losses.")
    var evalBatches = 16

    @Option(help: "Validation batches for R_L.")
    var batches = 4

    @OptionGroup var data: DataOptions

    @Flag(help: "One JSON object per checkpoint, one per metric with \"metric\", then a summary.")
    var json = false

    func run() throws {
        guard !checkpoints.isEmpty else { throw QScopeError.badInput("give at least one checkpoint") }
        guard (1...RunSpec.limit).contains(evalBatches), (1...RunSpec.limit).contains(batches) else {
            throw QScopeError.badInput("--eval-batches and --batches must be 1 to \(RunSpec.limit)")
        }
        let files = try checkpoints.map { try Safetensors.read(path: $0) }
        let corpus = try Corpus.named(data.corpus)
        BLAS.useEveryCore()
        var models: [Predictors.Measurement] = []
        if !json { Output.line("checkpoint                         fp loss  PTQ increase     MMR  kurtosis  rms kurt       R_L") }
        for (path, file) in zip(checkpoints, files) {
            let name = try Self.name(file: file, path: path)
            let m = try Predictors.measure(name: name, file: file, path: path, corpus: corpus, evalBatches: evalBatches,
                                           propagationBatches: batches, bits: quantization.bits,
                                           actBits: quantization.actBits)
            models.append(m)
            if json {
                Output.line(JSONLine.encode([
                    ("checkpoint", .string(path)), ("name", .string(m.name)), ("val_loss_fp", .double(m.fullPrecisionLoss)),
                    ("ptq_increase", .double(m.ptqIncrease)), ("mmr", .number(m.mmr)),
                    ("kurtosis", .number(m.kurtosis)), ("rms_kurtosis", .number(m.rmsKurtosis)),
                    ("r_l", .double(m.outputError)),
                ]))
            } else {
                Output.line(Format.pad(m.name, to: 33) + String(format: " %8.4f  %+11.4f  ", m.fullPrecisionLoss, m.ptqIncrease)
                    + Format.padLeft(Output.number(m.mmr, "%.2f"), to: 6) + "  " + Format.padLeft(Output.number(m.kurtosis, "%.2f"), to: 8)
                    + "  " + Format.padLeft(Output.number(m.rmsKurtosis, "%.2f"), to: 8) + String(format: "  %.3e", m.outputError))
            }
        }
        Output.correlations(Predictors.correlations(models), json: json, measured: models.count, units: "checkpoints")
        if json {
            Output.line(JSONLine.encode([("summary", .bool(true)), ("checkpoints", .int(models.count)),
                                         ("quantization", .string(quantization.label + " rtn"))]))
        }
    }

    /// `optimizer/model@step` from the checkpoint's own metadata.
    static func name(file: Safetensors.File, path: String) throws -> String {
        let config = try Checkpoint.spec(of: file, path: path)
        let qat = config.qat.map { " \($0.label)" } ?? ""
        return "\(config.optimizer)/\(config.model.name)@\(file.metadata["qscope.step"] ?? "?")\(qat)"
    }
}
