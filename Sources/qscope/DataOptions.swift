import ArgumentParser
import Core

/// The batch shape, shared by every command that trains or times training steps.
struct BatchOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Sequences per batch (default: 16).")
    var batch: Int?

    @Option(parsing: .unconditional, help: "Sequence length in bytes (default: 128).")
    var seq: Int?
}

/// Quantization-aware training, shared by `train`, the dashboard and `bench`.
struct QATOptions: ParsableArguments {
    @Option(help: "Quantization-aware training from scratch: quest (the study's QuEST: Hadamard, trust mask), ste (round-to-nearest, straight-through) or none. Validation losses are then the quantized model's.")
    var qat: String?

    @Option(parsing: .unconditional, help: "QAT weight bits, 2–8 (default: 4; needs --qat).")
    var bits: Int?

    @Option(name: .customLong("act-bits"), parsing: .unconditional, help: "QAT input (activation) bits, 2–8 (default: --bits; needs --qat).")
    var actBits: Int?

    /// What the flags set, nil when none is given.
    func overrides() throws -> QATOverrides? {
        var overrides = try qat.map(QATOverrides.init(named:)) ?? QATOverrides()
        overrides.bits = bits
        overrides.actBits = actBits
        return overrides.isEmpty ? nil : overrides
    }
}

/// What a run trains on.
struct DataOptions: ParsableArguments {
    @Option(help: "UTF-8 text file to train on (default: the King James Bible cache, see README).")
    var corpus: String?

    @Option(parsing: .unconditional, help: "Seed for initialisation and data order (default: 1).")
    var seed: UInt64?
}

/// Optimizer hyperparameters by their reference names, shared by `train`, the dashboard and `bench`.
struct HyperOptions: ParsableArguments {
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "Weight decay (the optimizer's own kind; default: its reference default).")
    var weightDecay: Double?

    @Option(help: ArgumentHelp("An optimizer hyperparameter by its reference name, e.g. --hyper momentum=0.95 (repeatable).", valueName: "key=value"))
    var hyper: [String] = []

    /// The `--hyper` items, nil when none is given.
    func parsed() throws -> Hyper? {
        guard !hyper.isEmpty else { return nil }
        var parsed = Hyper()
        for item in hyper { try parsed.set(cli: item) }
        return parsed
    }
}
