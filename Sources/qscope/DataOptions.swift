import ArgumentParser
import Core

/// The batch shape, shared by every command that trains or times training steps.
struct BatchOptions: ParsableArguments {
    @Option(help: "Sequences per batch.")
    var batch = 16

    @Option(help: "Sequence length in bytes.")
    var seq = 128
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
