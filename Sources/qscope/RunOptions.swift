import Analysis
import ArgumentParser
import Core
import Foundation

/// The flags that define a training run, shared by `train` and the dashboard.
struct RunOptions: ParsableArguments {
    @Option(help: "Optimizer: \(OptimizerFactory.names.joined(separator: ", ")), or `all` to train each side by side (default: adamw, or all in the dashboard).")
    var optimizer: String?

    @Option(help: "Model size: \(ModelConfig.sizes.map(\.name).joined(separator: ", ")) (see `qscope models`; default: tiny).")
    var model: String?

    @Option(help: "Optimizer steps (default: 1000, or 3000 in the dashboard).")
    var steps: Int?

    @Option(help: "Peak learning rate (default: the optimizer's tuned rate, see README).")
    var lr: Float?

    @OptionGroup var qat: QATOptions
    @OptionGroup var shape: BatchOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Learning-rate schedule: trapezoidal (the study's), cosine or constant.")
    var schedule = "trapezoidal"

    @Option(name: .customLong("weight-decay"), help: "Weight decay (the optimizer's own kind; default: its reference default).")
    var weightDecay: Float?

    @Option(help: ArgumentHelp("An optimizer hyperparameter by its reference name, e.g. --hyper momentum=0.95 (repeatable).", valueName: "key=value"))
    var hyper: [String] = []

    @Option(name: .customLong("eval-every"), help: "Steps between validation evaluations.")
    var evalEvery = 50

    @Option(name: .customLong("eval-batches"), help: "Validation batches per evaluation.")
    var evalBatches = 8

    @Option(name: .customLong("log-every"), help: "Steps between log records.")
    var logEvery = 10

    @Option(help: "Threads: data-parallel shards of each batch (default: every core).")
    var threads: Int?

    @Option(help: "Write a checkpoint (safetensors) here when the run ends or is stopped (a directory with --optimizer all).")
    var save: String?

    @Option(name: .customLong("save-at-loss"), help: "Also save the first checkpoint whose validation loss is below this, as <save>.at-<loss>.safetensors (the study's common-loss protocol; needs --save or the dashboard).")
    var saveAtLoss: Double?

    @Option(name: .customLong("stats-every"), help: "Steps between live measurements of each run: per-layer outlier statistics and W4A4 error, the ABC decomposition and PTQ loss (0: off).")
    var statsEvery = 100

    @Option(help: "A TOML run configuration: these flags by their snake_case names, plus [hyper] and [qat] tables; flags on the command line override it (see README).")
    var config: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    /// The runs to train (one, or one per optimizer for `--optimizer all`), the corpus and (when
    /// resuming) the checkpoint, all validated on the calling thread so bad input fails before
    /// any thread or terminal is touched.
    func prepare(defaultOptimizer: String = "adamw", defaultModel: String = "tiny",
                 defaultSteps: Int = 1000) throws -> PreparedRuns {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var configs: [TrainConfig]
        var checkpoint: Safetensors.File?
        if let resume {
            let file = try Safetensors.read(path: resume)
            var config = try Checkpoint.config(of: file, path: resume)
            checkpoint = file
            // A resumed run keeps its own configuration, except for a longer horizon.
            config.steps = max(config.steps, steps ?? 0)
            if qat.isSet, try qat.config() != config.qat {
                throw QScopeError.badInput("\(resume) was trained with QAT \(config.qat?.label ?? "off"); a resumed run keeps it")
            }
            configs = [config]
        } else {
            let chosen = optimizer ?? defaultOptimizer
            let names = chosen == "all" ? OptimizerFactory.names : [chosen]
            let base = try baseConfig(model: model ?? defaultModel, defaultSteps: defaultSteps)
            configs = names.map { runConfig(base, optimizer: $0, learningRate: lr) }
        }
        for i in configs.indices {
            // Several runs share the cores a run each; a lone run splits its batch over all of them.
            try applyRunFlags(to: &configs[i], threads: threads ?? (configs.count == 1 ? cores : 1))
        }
        guard statsEvery >= 0 else { throw QScopeError.badInput("--stats-every must be 0 (off) or positive (got \(statsEvery))") }
        return PreparedRuns(configs: configs, corpus: try data.loadCorpus(), checkpoint: checkpoint, resumePath: resume,
                            statsEvery: statsEvery)
    }

    /// One more run with these flags, for the dashboard's new-run form: `optimizer` on
    /// `model` at `learningRate` (nil: the optimizer's tuned rate), on one core (`--threads`
    /// if given), since it joins runs that already have theirs.
    func config(optimizer: String, model: String, learningRate: Float?, defaultSteps: Int) throws -> TrainConfig {
        var config = runConfig(try baseConfig(model: model, defaultSteps: defaultSteps), optimizer: optimizer,
                               learningRate: learningRate)
        try applyRunFlags(to: &config, threads: threads ?? 1)
        return config
    }

    /// The flags every optimizer's run shares: model, batch, data, schedule, steps, hyperparameters.
    private func baseConfig(model: String, defaultSteps: Int) throws -> TrainConfig {
        var base = TrainConfig(model: try ModelConfig.named(model))
        base.batch = shape.batch
        base.seq = shape.seq
        base.seed = data.seed
        base.schedule = schedule
        base.steps = steps ?? defaultSteps
        base.qat = try qat.config()
        if let weightDecay { base.hyper["weight_decay"] = .number(Double(weightDecay)) }
        for item in hyper { try base.hyper.set(cli: item) }
        return base
    }

    /// `base` for optimizer `name`, at `learningRate` or the optimizer's tuned rate.
    private func runConfig(_ base: TrainConfig, optimizer name: String, learningRate: Float?) -> TrainConfig {
        var config = base
        config.optimizer = name
        config.learningRate = learningRate ?? OptimizerFactory.defaultPeakLearningRate(name)
        // PSGD draws its preconditioner noise from its own seed; tie it to the run's.
        if name == "psgd" && config.hyper["seed"] == nil { config.hyper["seed"] = .number(Double(data.seed)) }
        return config
    }

    /// Sets the evaluation, logging, saving and thread flags on `config` and validates it.
    private func applyRunFlags(to config: inout TrainConfig, threads: Int) throws {
        config.saveAtLoss = saveAtLoss ?? config.saveAtLoss
        config.evalEvery = evalEvery
        config.evalBatches = evalBatches
        config.logEvery = logEvery
        config.threads = threads
        try config.validate()
    }

    /// Where run `config` is saved: `--save` itself for a lone run, a file per run inside the
    /// `--save` directory for several (or inside `defaultDirectory` when `--save` is absent).
    func savePath(for config: TrainConfig, runCount: Int, defaultDirectory: String?) -> String? {
        let file = "\(config.optimizer)-\(config.model.name).safetensors"
        if let save { return runCount == 1 ? save : (save as NSString).appendingPathComponent(file) }
        return defaultDirectory.map { ($0 as NSString).appendingPathComponent(file) }
    }
}

/// Validated runs, ready to start.
struct PreparedRuns {
    /// `run.safetensors` → `run.at-2.5.safetensors`: the common-loss checkpoint beside the final one.
    static func commonLossPath(_ path: String, loss: Double) -> String {
        let stem = path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path
        return "\(stem).at-\(loss).safetensors"
    }

    let configs: [TrainConfig]
    let corpus: Corpus
    let checkpoint: Safetensors.File?
    let resumePath: String?
    /// Steps between probe measurements; 0 leaves runs unprobed.
    let statsEvery: Int

    /// Starts one trainer thread per run (run ids 0, 1, …) publishing to `board`; `onLog(id, config)`
    /// makes each run's log callback.
    func start(board: RunBoard, controls: [RunControl]? = nil, savePath: @escaping (TrainConfig) -> String?,
               onLog: (Int, TrainConfig) -> @Sendable (TrainLog) -> Void = { _, _ in { _ in } }) throws -> [TrainerThread] {
        try configs.enumerated().map { id, config in
            try startRun(id: id, config: config, board: board, control: controls?[id] ?? RunControl(),
                         savePath: savePath(config), onLog: onLog(id, config))
        }
    }

    /// Starts run `id` of `config` on its own trainer thread: from the checkpoint being
    /// resumed when `resume` is set, else from scratch.
    func startRun(id: Int, config: TrainConfig, board: RunBoard, control: RunControl, savePath path: String?,
                  resume: Bool = true, onLog: @escaping @Sendable (TrainLog) -> Void = { _ in }) throws -> TrainerThread {
        let corpus = self.corpus, checkpoint = resume ? self.checkpoint : nil, resumePath = self.resumePath ?? ""
        let statsEvery = self.statsEvery
        let commonLossPath = path.flatMap { p in config.saveAtLoss.map { Self.commonLossPath(p, loss: $0) } }
        return try TrainerThread.start(control: control, savePath: path, onLog: onLog) {
            let trainer = try Trainer(config: config, corpus: corpus, runID: id, board: board, control: control,
                                      resumeFrom: checkpoint, resumePath: resumePath)
            trainer.commonLossPath = commonLossPath
            if statsEvery > 0 {
                trainer.probe = try StudyProbe(config: config, parameters: trainer.model.parameters, corpus: corpus,
                                               interval: statsEvery)
            }
            return trainer
        }
    }
}
