import ArgumentParser
import Core

/// The W·A bit widths shared by `ptq`, `analyze` and `predict`.
struct QuantBitsOptions: ParsableArguments {
    @Option(help: "Weight bits, 2–8, per output row (0: weights stay full precision).")
    var bits = 4

    @Option(name: .customLong("act-bits"), help: "Input (activation) bits, 2–8, per token (0: inputs stay full precision).")
    var actBits = 4

    /// The per-token input quantizer, nil for --act-bits 0.
    func inputQuantizer() throws -> RoundToNearest? { actBits == 0 ? nil : try RoundToNearest(bits: actBits) }

    /// `W4A4`, with 16 for a side left in full precision.
    var label: String { "W\(bits == 0 ? 16 : bits)A\(actBits == 0 ? 16 : actBits)" }
}
