/// Everything that defines a training run; stored in each checkpoint's metadata.
public struct TrainConfig: Sendable, Codable, Equatable {
    public var model: ModelConfig
    public var optimizer: String = "adamw"
    /// Hyperparameters by the reference implementation's names (see `Hyper`).
    public var hyper = Hyper()
    /// Peak learning rate of the scheduled groups.
    public var learningRate: Float = 3e-3
    public var schedule: String = "trapezoidal"
    public var batch: Int = 16
    public var seq: Int = 128
    /// Total optimizer steps; the schedule spans them.
    public var steps: Int = 1000
    public var seed: UInt64 = 1
    /// Steps between validation evaluations (0: only at the end).
    public var evalEvery: Int = 50
    /// Validation batches per evaluation.
    public var evalBatches: Int = 8
    /// Steps between log records.
    public var logEvery: Int = 10
    /// Data-parallel shards of each batch, one per core used. Results are bit-identical for a
    /// given value, and differ in the last bits between values (sums are ordered differently).
    public var threads: Int = 1
    /// Save the first checkpoint whose validation loss is below this (the study's common loss).
    public var saveAtLoss: Double?
    /// Quantization-aware training from scratch; nil: full precision (and in checkpoints written
    /// before QAT existed). Validation losses are then the quantized model's.
    public var qat: QATConfig?

    public init(model: ModelConfig) {
        self.model = model
    }

    public func validate() throws {
        try model.validate()
        func positive(_ value: Int, _ flag: String) throws {
            guard value > 0 else { throw QScopeError.badInput("\(flag) must be a positive integer (got \(value))") }
        }
        try positive(batch, "--batch")
        try positive(steps, "--steps")
        try positive(evalBatches, "--eval-batches")
        try positive(logEvery, "--log-every")
        try positive(threads, "--threads")
        guard seq >= 2 else { throw QScopeError.badInput("--seq must be at least 2 (got \(seq))") }
        guard evalEvery >= 0 else { throw QScopeError.badInput("--eval-every must be 0 or more") }
        guard learningRate.isFinite, learningRate > 0 else {
            throw QScopeError.badInput("--lr must be a positive number (got \(learningRate))")
        }
        _ = try LRSchedule.named(schedule)
        if let qat { try QATPlan(qat).check(model) }
        // Building the optimizer checks its name and every hyperparameter.
        _ = try OptimizerFactory.make(optimizer, layout: ParameterLayout(config: model), hyper: hyper)
    }
}

/// One log record of a run: what `--json` prints per log step.
public struct TrainLog: Sendable, Equatable {
    public var step: Int
    public var tokens: Int
    /// Training loss of this step's batch; nil for the record of the initial evaluation.
    public var loss: Double?
    public var valLoss: Double?
    public var learningRate: Double
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var elapsed: Double
    /// What the probe measured at this step, when it ran (the record is then always emitted).
    public var probe: ProbeReport? = nil
}
