import ArgumentParser
import Analysis
import Core
import Foundation

/// `qscope ptq CKPT`: how much a checkpoint's validation loss rises when its linear layers are
/// quantized after training (the study's default: W4A4 round-to-nearest, per row and per token).
struct PTQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ptq", abstract: "Quantize a checkpoint's linear layers and report the validation loss.")

    @Argument(help: "A checkpoint written by qscope (safetensors).")
    var checkpoint: String

    @Option(help: "Weight bits, 2–8 (0: weights stay full precision).")
    var bits = 4

    @Option(name: .customLong("act-bits"), help: "Input (activation) bits, 2–8 (0: inputs stay full precision).")
    var actBits = 4

    @Option(help: "Method: rtn (GPTQ on checkpoints needs calibration inputs from the activation tap, which is not built yet).")
    var method = "rtn"

    @Option(help: "Weight scale granularity: row, tensor or group:G (inputs are quantized per token).")
    var granularity = "row"

    @Option(name: .customLong("eval-batches"), help: "Validation batches.")
    var evalBatches = 16

    @OptionGroup var data: DataOptions

    @Flag(help: "One JSON object per layer, then a summary with \"summary\": true.")
    var json = false

    func run() throws {
        guard method == "rtn" else {
            throw QScopeError.badInput("method '\(method)' is not available for checkpoints yet; use rtn "
                + "(qscope quant-replay runs GPTQ and QuEST on single matrices)")
        }
        guard evalBatches > 0 else { throw QScopeError.badInput("--eval-batches must be positive") }
        let weight = try bits == 0 ? nil : RoundToNearest(bits: bits, granularity: try QuantGranularity(parsing: granularity))
        let input = try actBits == 0 ? nil : RoundToNearest(bits: actBits, granularity: .row)
        let file = try Safetensors.read(path: checkpoint)
        BLAS.threads = ProcessInfo.processInfo.activeProcessorCount
        let report = try PTQ.run(file: file, path: checkpoint, corpus: try data.loadCorpus(), weight: weight,
                                 input: input, evalBatches: evalBatches, perLayer: true)
        let label = "W\(bits == 0 ? "16" : String(bits))A\(actBits == 0 ? "16" : String(actBits)) \(method) \(granularity)"
        if !json { Output.line("layer                  val loss  increase   input MMR  kurtosis  rms kurt   weight kurtosis") }
        for (layer, loss) in report.perLayer {
            let delta = loss - report.fullPrecisionLoss
            let input = report.inputStats[layer], weight = report.weightStats[layer]
            if json {
                Output.line(JSONLine.encode([
                    ("layer", .string(layer.description)), ("val_loss", .double(loss)), ("increase", .double(delta)),
                    ("input_mmr", .double(input?.mmr ?? .nan)), ("input_kurtosis", .double(input?.kurtosis ?? .nan)),
                    ("input_rms_kurtosis", .double(input?.rmsKurtosis ?? .nan)),
                    ("input_absmax", .double(input?.absmax ?? .nan)),
                    ("weight_kurtosis", .double(weight?.kurtosis ?? .nan)),
                    ("weight_mmr", .double(weight?.mmr ?? .nan)),
                ]))
            } else {
                Output.line(layer.description.padding(toLength: 22, withPad: " ", startingAt: 0)
                    + String(format: " %8.4f  %+8.4f  %10.2f  %8.2f  %8.2f  %16.2f", loss, delta, input?.mmr ?? .nan,
                             input?.kurtosis ?? .nan, input?.rmsKurtosis ?? .nan, weight?.kurtosis ?? .nan))
            }
        }
        if json {
            Output.line(JSONLine.encode([
                ("summary", .bool(true)), ("quantization", .string(label)),
                ("val_loss_fp", .double(report.fullPrecisionLoss)), ("val_loss_quantized", .double(report.quantizedLoss)),
                ("increase", .double(report.increase)),
            ]))
        } else {
            Output.line(String(format: "%@: val loss %.4f → %.4f (%+.4f)", label, report.fullPrecisionLoss,
                               report.quantizedLoss, report.increase))
        }
    }
}
