import ArgumentParser
import Analysis
import Core
import Foundation

/// `qscope analyze CKPT`: where quantization error starts and how it grows through the network,
/// by the ABC decomposition of docs/analysis.md §3.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Decompose a checkpoint's quantization error per module: R = A + B + C, gains G, G1, G2, and R_L.")

    @Argument(help: "A checkpoint written by qscope (safetensors).")
    var checkpoint: String

    @OptionGroup var quantization: QuantBitsOptions

    @Flag(help: "Also quantize the tied head's weight.")
    var head = false

    @Option(help: "Validation batches to average over (each of the checkpoint's batch × seq tokens).")
    var batches = 4

    @OptionGroup var data: DataOptions

    @Flag(help: "One JSON object per module, one per block with \"block\", then a summary with \"summary\": true.")
    var json = false

    func run() throws {
        guard (1...RunSpec.limit).contains(batches) else {
            throw QScopeError.badInput("--batches must be 1 to \(RunSpec.limit)")
        }
        let weight = try quantization.bits == 0 ? nil : RoundToNearest(bits: quantization.bits)
        let input = try quantization.inputQuantizer()
        guard weight != nil || input != nil else {
            throw QScopeError.badInput("nothing to analyze with --bits 0 and --act-bits 0: quantize weights or inputs")
        }
        let file = try Safetensors.read(path: checkpoint)
        BLAS.useEveryCore()
        let start = Date()
        let report = try PropagationAnalyzer.run(file: file, path: checkpoint, corpus: try Corpus.named(data.corpus),
                                                 weight: weight, input: input, quantizeHead: head, batches: batches)
        let seconds = Date().timeIntervalSince(start)
        let summary = PropagationSummary(report)
        let label = quantization.label
        if json {
            for m in report.modules { Output.line(JSONLine.encode(Self.fields(m))) }
            for b in summary.blocks {
                Output.line(JSONLine.encode([
                    ("block", .int(b.layer)), ("r_out", .double(b.outputError)), ("local_error", .double(b.localError)),
                    ("max_linear_gain", .number(b.maxLinearGain)),
                ]))
            }
            Output.line(JSONLine.encode([
                ("summary", .bool(true)), ("quantization", .string(label)), ("step", .int(report.step)),
                ("r_l", .double(report.outputError)), ("propagated_share", .double(summary.propagatedShare)),
                ("max_gain_module", .string(summary.maxGain?.name ?? "")),
                ("max_gain", .number(summary.maxGain?.gain)), ("seconds", .double(seconds)),
            ]))
            return
        }
        Output.line("module                        kind          R         A         B          C       G      G1      G2")
        for m in report.modules { Output.line(Self.row(m)) }
        Output.line("")
        Output.line("block   R out      local B   max linear G")
        for b in summary.blocks {
            Output.line(String(format: "%5d   %.3e  %.3e  ", b.layer, b.outputError, b.localError)
                        + (b.maxLinearGain.map { String(format: "%.3f", $0) } ?? "n/a"))
        }
        Output.line("")
        Output.line(label + String(format: " at step %d: R_L %.4e; propagated error A is %.0f%% of R over modules",
                                   report.step, report.outputError, 100 * summary.propagatedShare)
                    + (summary.maxGain.map { String(format: "; largest gain %.3f at ", $0.gain) + $0.name } ?? "")
                    + String(format: " (%.2f s)", seconds))
    }

    private static func row(_ m: ModuleError) -> String {
        func optional(_ x: Double?) -> String { x.map { String(format: "%7.3f", $0) } ?? "      -" }
        return m.name.padding(toLength: 30, withPad: " ", startingAt: 0)
            + m.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: "%.3e %.3e %.3e %+.3e", m.r, m.a, m.b, m.c)
            + " " + optional(m.gain) + " " + optional(m.spectralRatio) + " " + optional(m.alignmentRatio)
    }

    /// A module's JSON fields, shared with `quantize`.
    static func fields(_ m: ModuleError) -> [(String, JSONLine.JSONValue)] {
        var f: [(String, JSONLine.JSONValue)] = [
            ("module", .string(m.name)), ("kind", .string(m.kind.rawValue)), ("r", .double(m.r)), ("a", .double(m.a)),
            ("b", .double(m.b)), ("c", .double(m.c)), ("r_in", .double(m.inputError)),
        ]
        if let layer = m.layer { f.append(("layer", .int(layer))) }
        if let g = m.gain { f.append(("gain", .double(g))) }
        if let g1 = m.spectralRatio { f.append(("g1", .double(g1))) }
        if let g2 = m.alignmentRatio { f.append(("g2", .double(g2))) }
        return f
    }
}
