/// Deterministic training and validation batches of byte windows.
///
/// Training batch s is drawn from an RNG seeded by (seed, s) alone, so a run resumed at step s
/// sees exactly the batches an uninterrupted run would have seen. Validation uses a fixed set of
/// windows spread evenly over the held-out bytes.
public struct BatchSampler: Sendable {
    public let corpus: Corpus
    public let batch: Int
    public let seq: Int
    public let seed: UInt64

    public init(corpus: Corpus, batch: Int, seq: Int, seed: UInt64) throws {
        guard corpus.train.count > seq + 1, corpus.validation.count > seq + 1 else {
            throw QScopeError.badInput(
                "corpus \(corpus.name) is too small for sequences of \(seq) bytes; use a larger corpus or a smaller --seq")
        }
        self.corpus = corpus
        self.batch = batch
        self.seq = seq
        self.seed = seed
    }

    /// Writes training batch `step` into tokens and targets (each B·T).
    public func fillTraining(step: Int, tokens: UnsafeMutableBufferPointer<Int32>,
                             targets: UnsafeMutableBufferPointer<Int32>) {
        var rng = RNG(seed: seed, stream: 0x6461_7461 &+ UInt64(step))
        let limit = corpus.train.count - seq - 1
        for b in 0..<batch {
            fill(from: corpus.train, offset: rng.nextInt(below: limit + 1), row: b, tokens: tokens, targets: targets)
        }
    }

    /// Writes validation batch `index` of `count` into tokens and targets.
    public func fillValidation(index: Int, of count: Int, tokens: UnsafeMutableBufferPointer<Int32>,
                               targets: UnsafeMutableBufferPointer<Int32>) {
        let windows = count * batch
        let limit = corpus.validation.count - seq - 1
        for b in 0..<batch {
            let window = index * batch + b
            fill(from: corpus.validation, offset: limit * window / max(windows - 1, 1), row: b,
                 tokens: tokens, targets: targets)
        }
    }

    private func fill(from bytes: [UInt8], offset: Int, row: Int, tokens: UnsafeMutableBufferPointer<Int32>,
                      targets: UnsafeMutableBufferPointer<Int32>) {
        let base = row * seq
        for t in 0..<seq {
            tokens[base + t] = Int32(bytes[offset + t])
            targets[base + t] = Int32(bytes[offset + t + 1])
        }
    }
}
