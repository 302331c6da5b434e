import ArgumentParser
import Core
import Foundation

/// The flags that define a training run, shared by `train` and the dashboard.
struct RunOptions: ParsableArguments {
    @Option(help: "Optimizer: \(OptimizerFactory.names.joined(separator: ", ")).")
    var optimizer = "adamw"

    @Option(help: "Model size: \(ModelConfig.sizes.map(\.name).joined(separator: ", ")) (see `qscope models`; default: tiny, or xs in the dashboard).")
    var model: String?

    @Option(help: "Optimizer steps (default: 1000, or 4000 in the dashboard).")
    var steps: Int?

    @Option(help: "Peak learning rate.")
    var lr: Float = 3e-3

    @Option(help: "Sequences per batch.")
    var batch = 16

    @Option(help: "Sequence length in bytes.")
    var seq = 128

    @Option(help: "UTF-8 text file to train on (default: the King James Bible cache, see README).")
    var corpus: String?

    @Option(help: "Seed for initialisation and data order.")
    var seed: UInt64 = 1

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

    @Option(help: "Write a checkpoint (safetensors) here when the run ends or is stopped.")
    var save: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    /// The run configuration, the corpus and (when resuming) the checkpoint, all validated on
    /// the calling thread so bad input fails before any thread or terminal is touched.
    func prepare(defaultModel: String = "tiny", defaultSteps: Int = 1000) throws
        -> (config: TrainConfig, corpus: Corpus, checkpoint: Safetensors.File?)
    {
        var config: TrainConfig
        var checkpoint: Safetensors.File?
        if let resume {
            let file = try Safetensors.read(path: resume)
            config = try Checkpoint.config(of: file, path: resume)
            checkpoint = file
            // A resumed run keeps its own configuration, except for a longer horizon.
            config.steps = max(config.steps, steps ?? 0)
        } else {
            config = TrainConfig(model: try ModelConfig.named(model ?? defaultModel))
            config.optimizer = optimizer
            config.learningRate = lr
            config.batch = batch
            config.seq = seq
            config.seed = seed
            config.schedule = schedule
            config.steps = steps ?? defaultSteps
            if let weightDecay { config.hyper["weight_decay"] = .number(Double(weightDecay)) }
            for item in hyper {
                guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                    throw QScopeError.badInput("--hyper takes KEY=VALUE (got '\(item)')")
                }
                config.hyper[String(item[..<eq])] = HyperValue(cli: String(item[item.index(after: eq)...]))
            }
        }
        config.evalEvery = evalEvery
        config.evalBatches = evalBatches
        config.logEvery = logEvery
        config.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        try config.validate()
        let corpus = try corpus.map { try Corpus.load(path: $0) } ?? DefaultCorpus.load()
        return (config, corpus, checkpoint)
    }
}
