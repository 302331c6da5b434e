import Foundation

/// Everything that defines a training run, as one value: the model, the optimizer and its
/// hyperparameters, the data, the schedule, QAT, the seeds, the eval/log/probe intervals and
/// where the run is saved.
///
/// Every entry point produces one (flags, a TOML file, the dashboard's new-run form, a sweep, a
/// benchmark, a checkpoint or metrics log being re-created) through `RunOverrides`, validates it
/// once with `validate()`, and hands it to a `RunSession`. It is stored in every checkpoint and
/// metrics log, so any run can be re-created exactly from its outputs.
public struct RunSpec: Sendable, Equatable {
    public var model: ModelConfig
    public var optimizer: OptimizerKind
    /// Hyperparameters by the reference implementation's names (see `Hyper`).
    public var hyper = Hyper()
    /// Peak learning rate of the scheduled groups.
    public var learningRate: Float
    public var schedule: ScheduleKind = .trapezoidal
    /// Sequences per batch.
    public var batch: Int = 16
    /// Tokens (bytes) per sequence.
    public var seq: Int = 128
    /// Total optimizer steps; the schedule spans them.
    public var steps: Int = 1000
    /// Seed of initialisation and data order.
    public var seed: UInt64 = 1
    /// The UTF-8 text file trained on; nil: the built-in default corpus.
    public var corpus: String?
    /// Steps between validation evaluations (0: only at the end).
    public var evalEvery: Int = 50
    /// Validation batches per evaluation.
    public var evalBatches: Int = 8
    /// Steps between log records.
    public var logEvery: Int = 10
    /// Steps between the probe's live measurements (0: none).
    public var statsEvery: Int = 100
    /// Data-parallel shards of each batch, one per core used. Results are bit-identical for a
    /// given value, and differ in the last bits between values (sums are ordered differently).
    public var threads: Int = 1
    /// Save the first checkpoint whose validation loss is below this (the study's common loss).
    public var saveAtLoss: Double?
    /// Quantization-aware training from scratch; nil: full precision. Validation losses are then
    /// the quantized model's.
    public var qat: QATConfig?
    /// The checkpoint written when the run ends or is stopped; its metrics log and common-loss
    /// checkpoint are named after it (`RunPaths`). nil: the run is not saved.
    public var save: String?
    /// Also keep, at every evaluation, a parameter snapshot (`RunPaths.evalSnapshot`) and the
    /// full checkpoint (so a killed run resumes from its last evaluation). Studies do, to find
    /// each run's first checkpoint at the common loss afterwards.
    public var snapshotEvals = false
    /// The arithmetic of the model's matrix products: fp32, or bf16 operands with fp32
    /// accumulation as the paper trains (`MatmulPrecision`).
    public var precision: MatmulPrecision = .fp32

    /// `optimizer` on `model` at its tuned peak learning rate, with the study's defaults.
    public init(model: ModelConfig, optimizer: OptimizerKind = .adamw) {
        self.model = model
        self.optimizer = optimizer
        learningRate = optimizer.defaultPeakLearningRate
    }

    /// `adamw/tiny`: how dashboards and logs name the run.
    public var name: String { "\(optimizer)/\(model.name)" }

    /// A deterministic id of what the run computes: a hash of the spec without its save path,
    /// so the same run gets the same id in any directory (16 hex digits, FNV-1a 64).
    public var id: String {
        var unsaved = self
        unsaved.save = nil
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ((try? unsaved.json()) ?? "").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }

    /// The checkpoint, metrics log and common-loss checkpoint this run writes, if it is saved.
    public var paths: RunPaths? { save.map { RunPaths(checkpoint: $0, saveAtLoss: saveAtLoss) } }

    /// Checks every field without allocating a model or optimizer state; errors name the field.
    public func validate() throws {
        try model.validate()
        // Tokens are bytes: a smaller table would be indexed past its end.
        try Self.require(model.vocab >= 256, .model, "needs a vocabulary of at least 256 (bytes; got \(model.vocab))")
        try Self.require(batch > 0 && batch <= Self.limit, .batch,
                         "must be a positive integer up to \(Self.limit) (got \(batch))")
        try Self.require(steps > 0 && steps <= 1 << 40, .steps, "must be a positive integer up to 2^40 (got \(steps))")
        try Self.require(seq >= 2 && seq <= Self.limit, .seq, "must be 2 to \(Self.limit) (got \(seq))")
        try Self.require(evalBatches > 0, .evalBatches, "must be a positive integer (got \(evalBatches))")
        try Self.require(logEvery > 0, .logEvery, "must be a positive integer (got \(logEvery))")
        try Self.require(threads > 0 && threads <= 1024, .threads, "must be 1 to 1024 (got \(threads))")
        try Self.require(evalBatches <= Self.limit, .evalBatches, "must be at most \(Self.limit) (got \(evalBatches))")
        try Self.require(evalEvery >= 0, .evalEvery, "must be 0 (only at the end) or positive (got \(evalEvery))")
        try Self.require(statsEvery >= 0, .statsEvery, "must be 0 (off) or positive (got \(statsEvery))")
        try Self.require(learningRate.isFinite && learningRate > 0, .learningRate,
                         "must be a positive number (got \(learningRate))")
        if let saveAtLoss {
            try Self.require(saveAtLoss.isFinite, .saveAtLoss, "must be a finite number (got \(saveAtLoss))")
        }
        if let qat {
            try qat.validate()
            try QATPlan(qat).check(model)
        }
        try optimizer.validate(layout: ParameterLayout(config: model), hyper: hyper)
        try checkMemory(available: Double(ProcessInfo.processInfo.physicalMemory))
    }

    /// The largest batch, sequence length and evaluation count a run may ask for.
    public static let limit = 1 << 20

    /// Bytes the run needs, roughly: parameters, gradients and up to six optimizer-state
    /// copies of them, plus each shard's activations (about 32 floats per token, block and
    /// width, and the logits twice).
    public var estimatedBytes: Double {
        let parameters = Double(model.parameterCount)
        let perToken = Double(model.layers) * 32 * Double(model.width) + 2 * Double(model.vocab)
        return 4 * (8 * parameters + Double(batch) * Double(seq) * perToken)
    }

    /// Throws, naming the field to shrink, when the run would need more memory than `available`.
    func checkMemory(available: Double) throws {
        let need = estimatedBytes
        guard available > 0, need > 0.8 * available else { return }
        let activations = 4 * Double(batch) * Double(seq) * (Double(model.layers) * 32 * Double(model.width))
        let gigabytes = { (bytes: Double) in String(format: "%.1f GB", bytes / 1e9) }
        throw RunSpecError(field: activations > need / 2 ? .batch : .model,
                           problem: "asks for about \(gigabytes(need)) of memory, "
                               + "more than 80% of this machine's \(gigabytes(available))")
    }

    private static func require(_ condition: Bool, _ field: RunField, _ problem: String) throws {
        guard condition else { throw RunSpecError(field: field, problem: problem) }
    }
}

extension RunSpec: Codable {
    /// Keys as checkpoints have always stored them (snake_case), so older checkpoints still read.
    enum CodingKeys: String, CodingKey {
        case model, optimizer, hyper, schedule, batch, seq, steps, seed, corpus, threads, qat, save
        case learningRate = "learning_rate", evalEvery = "eval_every", evalBatches = "eval_batches"
        case logEvery = "log_every", statsEvery = "stats_every", saveAtLoss = "save_at_loss"
        case snapshotEvals = "snapshot_evals", precision
    }

    /// Fields a file lacks (it was written before they existed) take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(model: try c.decode(ModelConfig.self, forKey: .model),
                  optimizer: try c.decode(OptimizerKind.self, forKey: .optimizer))
        hyper = try c.decodeIfPresent(Hyper.self, forKey: .hyper) ?? hyper
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? learningRate
        schedule = try c.decodeIfPresent(ScheduleKind.self, forKey: .schedule) ?? schedule
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
        seq = try c.decodeIfPresent(Int.self, forKey: .seq) ?? seq
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? steps
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        corpus = try c.decodeIfPresent(String.self, forKey: .corpus)
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery) ?? evalEvery
        evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? evalBatches
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? logEvery
        statsEvery = try c.decodeIfPresent(Int.self, forKey: .statsEvery) ?? statsEvery
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? threads
        saveAtLoss = try c.decodeIfPresent(Double.self, forKey: .saveAtLoss)
        qat = try c.decodeIfPresent(QATConfig.self, forKey: .qat)
        save = try c.decodeIfPresent(String.self, forKey: .save)
        snapshotEvals = try c.decodeIfPresent(Bool.self, forKey: .snapshotEvals) ?? false
        precision = try c.decodeIfPresent(MatmulPrecision.self, forKey: .precision) ?? .fp32
    }
}

extension RunSpec {
    /// Every field; precision only when not fp32, so the specs (and ids) of runs stored before
    /// it existed stay as they were.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(hyper, forKey: .hyper)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(batch, forKey: .batch)
        try c.encode(seq, forKey: .seq)
        try c.encode(steps, forKey: .steps)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(corpus, forKey: .corpus)
        try c.encode(evalEvery, forKey: .evalEvery)
        try c.encode(evalBatches, forKey: .evalBatches)
        try c.encode(logEvery, forKey: .logEvery)
        try c.encode(statsEvery, forKey: .statsEvery)
        try c.encode(threads, forKey: .threads)
        try c.encodeIfPresent(saveAtLoss, forKey: .saveAtLoss)
        try c.encodeIfPresent(qat, forKey: .qat)
        try c.encodeIfPresent(save, forKey: .save)
        try c.encode(snapshotEvals, forKey: .snapshotEvals)
        if precision != .fp32 { try c.encode(precision, forKey: .precision) }
    }
}

extension RunSpec {
    /// The spec as the one-line JSON object checkpoints and metrics logs store (sorted keys).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Decodes what `json()` wrote; `source` names the file in the error.
    public static func decode(json: String, source: String) throws -> RunSpec {
        do {
            return try JSONDecoder().decode(RunSpec.self, from: Data(json.utf8))
        } catch let error as QScopeError {
            throw error
        } catch {
            throw QScopeError.badInput("\(source): the stored run specification cannot be read (\(error))")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
