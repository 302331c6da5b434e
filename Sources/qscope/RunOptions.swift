import Analysis
import ArgumentParser
import Core
import Foundation

/// The flags that define a training run, shared by `train`, the dashboard, `sweep-lr` and
/// `study`: each sets one `RunOverrides` field, layered over a `--config` file.
struct RunOptions: ParsableArguments {
    @Option(help: "Optimizer: \(OptimizerKind.choices), or `all` to train each side by side (default: adamw, or all in the dashboard).")
    var optimizer: String?

    @Option(help: "Model size: \(ModelConfig.sizes.map(\.name).joined(separator: ", ")) (see `qscope models`; default: tiny).")
    var model: String?

    @Option(parsing: .unconditional, help: "Optimizer steps (default: 1000, or 3000 in the dashboard).")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Peak learning rate (default: the optimizer's tuned rate, see README).")
    var lr: Float?

    @OptionGroup var qat: QATOptions
    @OptionGroup var shape: BatchOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var hyper: HyperOptions

    @Option(help: "Learning-rate schedule: \(ScheduleKind.choices) (default: trapezoidal, the study's).")
    var schedule: String?

    @Option(help: "Matrix products: fp32, or bf16 (bf16 operands, fp32 accumulation, as the paper's autocast; default fp32).")
    var precision: String?

    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: "Steps between validation evaluations (default: 50).")
    var evalEvery: Int?

    @Option(name: .customLong("eval-batches"), parsing: .unconditional, help: "Validation batches per evaluation (default: 8).")
    var evalBatches: Int?

    @Option(name: .customLong("log-every"), parsing: .unconditional, help: "Steps between log records (default: 10).")
    var logEvery: Int?

    @Option(parsing: .unconditional, help: "Threads: data-parallel shards of each batch (default: every core for a lone run, one each for several).")
    var threads: Int?

    @Option(help: "Write a checkpoint (safetensors) here when the run ends or is stopped, and a metrics log beside it (a directory with --optimizer all).")
    var save: String?

    @Option(name: .customLong("save-at-loss"), parsing: .unconditional, help: "Also save the first checkpoint whose validation loss is below this, as <save>.at-<loss>.safetensors (the study's common-loss protocol; needs --save or the dashboard).")
    var saveAtLoss: Double?

    @Option(name: .customLong("stats-every"), parsing: .unconditional, help: "Steps between live measurements of each run: per-layer outlier statistics and W4A4 error, the ABC decomposition and PTQ loss (0: off; default: 100).")
    var statsEvery: Int?

    @Flag(name: .customLong("snapshot-evals"), help: "At every evaluation, save the checkpoint (so a killed run resumes from there) and a parameter snapshot beside it (<save>.step-N.safetensors).")
    var snapshotEvals = false

    @Option(help: "A TOML run configuration: these flags by their snake_case names, plus [hyper] and [qat] tables; flags on the command line override it (see README).")
    var config: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    @Option(name: .customLong("spec-from"), help: "Train anew the run a checkpoint or metrics log records (its whole RunSpec); other flags override its fields.")
    var specFrom: String?

    /// What the command-line flags set.
    func flagOverrides() throws -> RunOverrides {
        var o = RunOverrides()
        o.optimizer = try optimizer.map(OptimizerChoice.init(named:))
        o.model = model
        o.steps = steps
        o.learningRate = lr
        o.schedule = try schedule.map(ScheduleKind.init(named:))
        o.precision = try precision.map(MatmulPrecision.init(named:))
        o.batch = shape.batch
        o.seq = shape.seq
        o.seed = data.seed
        o.corpus = data.corpus
        o.weightDecay = hyper.weightDecay
        o.hyper = try hyper.parsed()
        o.evalEvery = evalEvery
        o.evalBatches = evalBatches
        o.logEvery = logEvery
        o.statsEvery = statsEvery
        o.threads = threads
        o.save = save
        o.saveAtLoss = saveAtLoss
        o.snapshotEvals = snapshotEvals ? true : nil
        o.qat = try qat.overrides()
        return o
    }

    /// The `--config` file, if one is given.
    func runFile() throws -> RunFile? { try config.map(RunFile.init(path:)) }

    /// The flags layered over the `--config` file.
    func overrides() throws -> RunOverrides {
        let flags = try flagOverrides()
        return try runFile().map { flags.overriding($0.overrides) } ?? flags
    }

    /// The runs to train (one, or one per optimizer for `all`), their corpus and, when
    /// resuming, the checkpoint: all validated on the calling thread, so bad input fails before
    /// any thread or terminal is touched.
    func prepare(_ defaults: RunDefaults) throws -> PreparedRuns {
        let file = try runFile()
        let flags = try flagOverrides()
        let overrides = file.map { flags.overriding($0.overrides) } ?? flags
        return try Self.naming(file: file, flags: flags) {
            if let resume, specFrom != nil { throw QScopeError.badInput("--resume \(resume) and --spec-from: choose one") }
            let stored = try resume.map(StoredRun.init(path:))
            let specs: [RunSpec]
            if let stored {
                specs = [try resumed(stored, overrides: overrides, cores: defaults.cores)]
            } else if let specFrom {
                var base = try Self.storedSpec(specFrom)
                base.save = nil
                specs = [try overrides.respecify(base)]
            } else {
                specs = try overrides.specs(defaults)
            }
            return PreparedRuns(specs: specs, corpus: try Corpus.named(specs[0].corpus), resume: stored)
        }
    }

    /// The run stored in `stored`, continued: a longer horizon, other intervals, threads or a
    /// save path may be given; its optimizer, model and QAT may not change.
    private func resumed(_ stored: StoredRun, overrides: RunOverrides, cores: Int) throws -> RunSpec {
        var spec = stored.spec
        spec.save = nil
        spec.threads = cores
        var allowed = RunOverrides()
        allowed.steps = overrides.steps.map { max($0, stored.spec.steps) }
        (allowed.evalEvery, allowed.evalBatches, allowed.logEvery) = (overrides.evalEvery, overrides.evalBatches, overrides.logEvery)
        (allowed.statsEvery, allowed.threads, allowed.save) = (overrides.statsEvery, overrides.threads, overrides.save)
        allowed.snapshotEvals = overrides.snapshotEvals
        allowed.saveAtLoss = overrides.saveAtLoss
        if let qat = overrides.qat, try qat.config() != spec.qat {
            throw QScopeError.badInput("\(stored.path) was trained with QAT \(spec.qat?.label ?? "off"); a resumed run keeps it")
        }
        if let optimizer = overrides.optimizer, optimizer != .one(spec.optimizer) {
            throw QScopeError.badInput("\(stored.path) was trained with \(spec.optimizer); a resumed run keeps it")
        }
        if let model = overrides.model, model != spec.model.name {
            throw QScopeError.badInput("\(stored.path) is a \(spec.model.name) model; a resumed run keeps it")
        }
        return try allowed.respecify(spec)
    }

    /// The RunSpec a checkpoint or a metrics log (its header) records.
    static func storedSpec(_ path: String) throws -> RunSpec {
        if path.hasSuffix(MetricsLog.suffix) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw QScopeError.badInput("metrics log not found: \(path)")
            }
            let first = String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            guard case .header(let header)? = MetricsLogLine(json: Substring(first)), let spec = header.spec else {
                throw QScopeError.badInput("\(path) does not start with a header recording its run (written before format 2?)")
            }
            return spec
        }
        return try StoredRun(path: path).spec
    }

    /// Runs `body`, rewording a field error in the words the user typed: the flag when a flag
    /// set the field, else the file's key and line, else the field's key.
    static func naming<T>(file: RunFile?, flags: RunOverrides, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RunSpecError {
            if Self.isSet(error.field, in: flags) {
                throw QScopeError.badInput(error.message(naming: Self.flag(for: error.field)))
            }
            if let file, Self.isSet(error.field, in: file.overrides) {
                throw QScopeError.badInput(file.location(of: error.field.key) + error.description)
            }
            throw QScopeError.badInput(error.description)
        }
    }

    /// The flag that sets `field`.
    static func flag(for field: RunField) -> String {
        switch field {
        case .qatMethod: return "--qat"
        case .qatBits: return "--bits"
        case .qatActBits: return "--act-bits"
        default: return "--" + field.key.replacingOccurrences(of: "_", with: "-")
        }
    }

    private static func isSet(_ field: RunField, in o: RunOverrides) -> Bool {
        switch field {
        case .optimizer: return o.optimizer != nil
        case .model: return o.model != nil
        case .steps: return o.steps != nil
        case .batch: return o.batch != nil
        case .seq: return o.seq != nil
        case .seed: return o.seed != nil
        case .corpus: return o.corpus != nil
        case .schedule: return o.schedule != nil
        case .hyper: return o.hyper != nil
        case .threads: return o.threads != nil
        case .save: return o.save != nil
        case .learningRate: return o.learningRate != nil
        case .weightDecay: return o.weightDecay != nil
        case .evalEvery: return o.evalEvery != nil
        case .evalBatches: return o.evalBatches != nil
        case .logEvery: return o.logEvery != nil
        case .statsEvery: return o.statsEvery != nil
        case .saveAtLoss: return o.saveAtLoss != nil
        case .snapshotEvals: return o.snapshotEvals != nil
        case .precision: return o.precision != nil
        case .qatMethod: return o.qat?.method != nil
        case .qatBits: return o.qat?.bits != nil
        case .qatActBits: return o.qat?.actBits != nil
        }
    }
}

/// Validated runs, ready to start.
struct PreparedRuns {
    let specs: [RunSpec]
    let corpus: Corpus
    /// The checkpoint a lone run continues from.
    let resume: StoredRun?

    /// Starts run `index` of `specs` as board id `id` (from the checkpoint when resuming).
    func start(_ index: Int, id: Int, board: RunBoard, control: RunControl = RunControl(),
               onLog: @escaping @Sendable (TrainLog) -> Void = { _ in }) throws -> RunSession {
        try RunSession.start(id: id, spec: specs[index], corpus: corpus, board: board, control: control, resume: resume,
                             probe: StudyProbe.factory, onLog: onLog)
    }
}
