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

    @OptionGroup var quantization: QuantBitsOptions

    @Option(help: "Weight method: rtn (round to nearest) or gptq (calibrated on training batches; inputs still RTN).")
    var method = "rtn"

    @Option(name: .customLong("calibration-batches"), help: "GPTQ: training batches whose layer inputs form the Hessian.")
    var calibrationBatches = 8

    @Flag(name: .customLong("act-order"), help: "GPTQ: quantize columns in order of decreasing Hessian diagonal.")
    var actOrder = false

    @Option(help: "Weight scale granularity: row, tensor or group:G (inputs are quantized per token).")
    var granularity = "row"

    @Flag(help: "Also quantize the tied head (weight by round to nearest, input per token); the embedding lookup stays exact.")
    var head = false

    @Option(name: .customLong("eval-batches"), help: "Validation batches.")
    var evalBatches = 16

    @OptionGroup var data: DataOptions

    @Flag(help: "One JSON object per layer, then a summary with \"summary\": true.")
    var json = false

    func run() throws {
        guard (1...RunSpec.limit).contains(evalBatches) else {
            throw QScopeError.badInput("--eval-batches must be 1 to \(RunSpec.limit)")
        }
        let weight = try weightQuantization()
        let input = try quantization.inputQuantizer()
        let file = try Safetensors.read(path: checkpoint)
        BLAS.useEveryCore()
        let report = try PTQ.run(file: file, path: checkpoint, corpus: try Corpus.named(data.corpus), weights: weight,
                                 input: input, quantizeHead: head, evalBatches: evalBatches, perLayer: true)
        let label = "\(quantization.label) \(method) \(granularity)" + (head ? " +head" : "")
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
                ("val_loss_head_only", .number(report.headOnlyLoss)),
            ]))
        } else {
            if let headOnly = report.headOnlyLoss {
                Output.line(String(format: "head alone: val loss %.4f (%+.4f)", headOnly, headOnly - report.fullPrecisionLoss))
            }
            Output.line(String(format: "%@: val loss %.4f → %.4f (%+.4f)", label, report.fullPrecisionLoss,
                               report.quantizedLoss, report.increase))
        }
    }

    /// The weight quantizer the flags describe (nil for --bits 0).
    private func weightQuantization() throws -> PTQ.WeightQuantization? {
        let bits = quantization.bits
        guard bits != 0 else { return nil }
        let grain = try QuantGranularity(parsing: granularity)
        switch method {
        case "rtn":
            return .rtn(try RoundToNearest(bits: bits, granularity: grain))
        case "gptq":
            guard (1...RunSpec.limit).contains(calibrationBatches) else {
                throw QScopeError.badInput("--calibration-batches must be 1 to \(RunSpec.limit)")
            }
            var groupSize: Int?
            switch grain {
            case .row: groupSize = nil
            case .group(let g): groupSize = g
            case .tensor: throw QScopeError.badInput("GPTQ quantizes per row or per group; use --granularity row or group:G")
            }
            return .gptq(try GPTQ(bits: bits, symmetric: true, groupSize: groupSize, actOrder: actOrder),
                         calibrationBatches: calibrationBatches)
        default:
            throw QScopeError.badInput("unknown method '\(method)': use rtn or gptq")
        }
    }
}
