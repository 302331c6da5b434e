import ArgumentParser
import Core

/// The batch shape, shared by every command that trains or times training steps.
struct BatchOptions: ParsableArguments {
    @Option(help: "Sequences per batch.")
    var batch = 16

    @Option(help: "Sequence length in bytes.")
    var seq = 128
}

/// Quantization-aware training, shared by `train`, the dashboard and `bench`.
struct QATOptions: ParsableArguments {
    @Option(help: "Quantization-aware training from scratch: quest (the study's QuEST: Hadamard, trust mask) or ste (round-to-nearest, straight-through). Validation losses are then the quantized model's.")
    var qat: String?

    @Option(help: "QAT weight bits, 2–8 (default: 4; needs --qat).")
    var bits: Int?

    @Option(name: .customLong("act-bits"), help: "QAT input (activation) bits, 2–8 (default: --bits; needs --qat).")
    var actBits: Int?

    var isSet: Bool { qat != nil || bits != nil || actBits != nil }

    /// The setting the flags ask for; nil without --qat (then --bits and --act-bits are errors).
    func config() throws -> QATConfig? {
        guard let qat else {
            if bits != nil || actBits != nil { throw QScopeError.badInput("--bits and --act-bits need --qat quest|ste") }
            return nil
        }
        return try QATConfig(method: qat, weightBits: bits ?? 4, inputBits: actBits)
    }
}

/// What a run trains on, shared by `train`, the dashboard and `sweep-lr`.
struct DataOptions: ParsableArguments {
    @Option(help: "UTF-8 text file to train on (default: the King James Bible cache, see README).")
    var corpus: String?

    @Option(help: "Seed for initialisation and data order.")
    var seed: UInt64 = 1

    /// The corpus file, or the built-in default.
    func loadCorpus() throws -> Corpus {
        try corpus.map { try Corpus.load(path: $0) } ?? DefaultCorpus.load()
    }
}
