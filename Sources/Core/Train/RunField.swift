/// A field of a run specification, by the key a TOML run file uses for it.
///
/// Errors about a run name the field; each entry point maps it to what its user typed (the CLI
/// to its flag, a TOML file to its key and line).
public enum RunField: String, CaseIterable, Sendable {
    case optimizer, model, steps, batch, seq, seed, corpus, schedule, hyper, threads, save
    case learningRate = "lr"
    case weightDecay = "weight_decay"
    case evalEvery = "eval_every"
    case evalBatches = "eval_batches"
    case logEvery = "log_every"
    case statsEvery = "stats_every"
    case saveAtLoss = "save_at_loss"
    case snapshotEvals = "snapshot_evals"
    case precision
    case qatMethod = "qat.method"
    case qatBits = "qat.bits"
    case qatActBits = "qat.act_bits"

    /// The key as written in a TOML run file (`qat.bits` is `bits` in the `[qat]` table).
    public var key: String { rawValue }
}

/// A run specification field whose value is out of range: bad input, named by field.
public struct RunSpecError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: RunField
    /// What is wrong, phrased to follow the field's name: `must be a positive integer (got 0)`.
    public let problem: String

    public init(field: RunField, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// The message with the field called `name` (a flag, a file key).
    public func message(naming name: String) -> String { "\(name) \(problem)" }

    public var description: String { message(naming: field.key) }
}
