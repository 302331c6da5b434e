/// Which optimizers a run description asks for: one, or all six side by side.
public enum OptimizerChoice: Sendable, Equatable, Codable, CustomStringConvertible {
    case all
    case one(OptimizerKind)

    /// `all` or an optimizer's name; anything else is bad input.
    public init(named name: String) throws {
        self = name == "all" ? .all : .one(try OptimizerKind(named: name))
    }

    public init(from decoder: Decoder) throws {
        self = try OptimizerChoice(named: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public var kinds: [OptimizerKind] {
        switch self {
        case .all: return OptimizerKind.allCases
        case .one(let kind): return [kind]
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .one(let kind): return kind.rawValue
        }
    }
}

/// The QAT part of a run description: `qat = "quest"`, or a `[qat]` table of method and bits;
/// the method `none` turns QAT off (the dashboard's form does, over a command line's `--qat`).
public struct QATOverrides: Sendable, Equatable, Codable {
    public var method: QATMethod?
    public var bits: Int?
    public var actBits: Int?
    /// Full precision, whatever earlier sources said.
    public var off = false

    public init(method: QATMethod? = nil, bits: Int? = nil, actBits: Int? = nil) {
        self.method = method
        self.bits = bits
        self.actBits = actBits
    }

    /// Full precision.
    public static var none: QATOverrides {
        var overrides = QATOverrides()
        overrides.off = true
        return overrides
    }

    /// `none` or a method's name.
    public init(named name: String) throws {
        self = name == "none" ? .none : QATOverrides(method: try QATMethod(named: name))
    }

    enum CodingKeys: String, CodingKey {
        case method, bits
        case actBits = "act_bits"
    }

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self = try QATOverrides(named: name)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let bits = try c.decodeIfPresent(Int.self, forKey: .bits)
        let actBits = try c.decodeIfPresent(Int.self, forKey: .actBits)
        self = try c.decodeIfPresent(String.self, forKey: .method).map(QATOverrides.init(named:)) ?? QATOverrides()
        self.bits = bits
        self.actBits = actBits
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(off ? "none" : method?.rawValue, forKey: .method)
        try c.encodeIfPresent(bits, forKey: .bits)
        try c.encodeIfPresent(actBits, forKey: .actBits)
    }

    public var isEmpty: Bool { method == nil && bits == nil && actBits == nil && !off }

    /// The setting asked for; nil without a method (then bits are an error) or when off.
    public func config() throws -> QATConfig? {
        if off { return nil }
        guard let method else {
            guard bits == nil && actBits == nil else {
                throw RunSpecError(field: bits != nil ? .qatBits : .qatActBits, problem: "needs a QAT method (quest or ste)")
            }
            return nil
        }
        return QATConfig(method: method, weightBits: bits ?? 4, inputBits: actBits)
    }
}

/// A partial run description: what one source (a TOML file, the command line, the dashboard's
/// form) sets, every field optional. Sources are layered with `overriding(_:)` and expanded into
/// complete, validated `RunSpec`s by `specs(_:)`.
///
/// Its coding keys are the TOML run file's (`RunField`), so a TOML table decodes straight into it.
public struct RunOverrides: Sendable, Equatable, Codable {
    public var optimizer: OptimizerChoice?
    /// A named model size (`qscope models`).
    public var model: String?
    public var learningRate: Float?
    public var schedule: ScheduleKind?
    public var batch: Int?
    public var seq: Int?
    public var steps: Int?
    public var seed: UInt64?
    public var corpus: String?
    /// Sets the `weight_decay` hyperparameter.
    public var weightDecay: Double?
    /// Merged key by key over the hyperparameters of earlier sources.
    public var hyper: Hyper?
    public var evalEvery: Int?
    public var evalBatches: Int?
    public var logEvery: Int?
    public var statsEvery: Int?
    public var threads: Int?
    /// A checkpoint path for one run, a directory for several.
    public var save: String?
    public var saveAtLoss: Double?
    /// Keep a checkpoint and a parameter snapshot at every evaluation.
    public var snapshotEvals: Bool?
    public var qat: QATOverrides?
    public var precision: MatmulPrecision?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case optimizer, model, schedule, batch, seq, steps, seed, corpus, hyper, threads, save, qat
        case learningRate = "lr", weightDecay = "weight_decay", evalEvery = "eval_every"
        case evalBatches = "eval_batches", logEvery = "log_every", statsEvery = "stats_every"
        case saveAtLoss = "save_at_loss", snapshotEvals = "snapshot_evals", precision
    }

    /// The keys a run file may use, for its unknown-key errors.
    public static var keys: [String] { CodingKeys.allKeys }

    /// These overrides layered on `base`: a field set here wins; hyperparameters and QAT merge
    /// key by key.
    public func overriding(_ base: RunOverrides) -> RunOverrides {
        var out = self
        out.optimizer = optimizer ?? base.optimizer
        out.model = model ?? base.model
        out.learningRate = learningRate ?? base.learningRate
        out.schedule = schedule ?? base.schedule
        out.batch = batch ?? base.batch
        out.seq = seq ?? base.seq
        out.steps = steps ?? base.steps
        out.seed = seed ?? base.seed
        out.corpus = corpus ?? base.corpus
        out.weightDecay = weightDecay ?? base.weightDecay
        out.evalEvery = evalEvery ?? base.evalEvery
        out.evalBatches = evalBatches ?? base.evalBatches
        out.logEvery = logEvery ?? base.logEvery
        out.statsEvery = statsEvery ?? base.statsEvery
        out.threads = threads ?? base.threads
        out.save = save ?? base.save
        out.saveAtLoss = saveAtLoss ?? base.saveAtLoss
        out.snapshotEvals = snapshotEvals ?? base.snapshotEvals
        out.precision = precision ?? base.precision
        if let baseHyper = base.hyper {
            out.hyper = Hyper(baseHyper.values.merging(hyper?.values ?? [:]) { _, mine in mine })
        }
        if let baseQAT = base.qat, qat?.off != true {
            out.qat = QATOverrides(method: qat?.method ?? baseQAT.method, bits: qat?.bits ?? baseQAT.bits,
                                   actBits: qat?.actBits ?? baseQAT.actBits)
            out.qat?.off = baseQAT.off && qat?.method == nil
        }
        return out
    }

    /// Sets every field given here on `spec` (the model and optimizer too, when named).
    public func apply(to spec: inout RunSpec) throws {
        if let model { spec.model = try ModelConfig.named(model) }
        if let learningRate { spec.learningRate = learningRate }
        if let schedule { spec.schedule = schedule }
        if let batch { spec.batch = batch }
        if let seq { spec.seq = seq }
        if let steps { spec.steps = steps }
        if let seed { spec.seed = seed }
        if let corpus { spec.corpus = corpus }
        if let weightDecay { spec.hyper["weight_decay"] = .number(weightDecay) }
        for (key, value) in hyper?.values ?? [:] { spec.hyper[key] = value }
        if let evalEvery { spec.evalEvery = evalEvery }
        if let evalBatches { spec.evalBatches = evalBatches }
        if let logEvery { spec.logEvery = logEvery }
        if let statsEvery { spec.statsEvery = statsEvery }
        if let threads { spec.threads = threads }
        if let saveAtLoss { spec.saveAtLoss = saveAtLoss }
        if let snapshotEvals { spec.snapshotEvals = snapshotEvals }
        if let precision { spec.precision = precision }
        if let qat, !qat.isEmpty { spec.qat = try qat.config() }
    }
}

/// What an entry point assumes where a run description is silent.
public struct RunDefaults: Sendable {
    public var optimizer: OptimizerChoice
    public var model: String
    public var steps: Int
    /// Where runs are saved when `save` is not given; nil: not saved.
    public var saveDirectory: String?
    /// Cores a lone run splits its batch over (several runs take one each).
    public var cores: Int

    public init(optimizer: OptimizerChoice = .one(.adamw), model: String = "tiny", steps: Int = 1000,
                saveDirectory: String? = nil, cores: Int) {
        self.optimizer = optimizer
        self.model = model
        self.steps = steps
        self.saveDirectory = saveDirectory
        self.cores = cores
    }
}

extension RunOverrides {
    /// The complete, validated runs these overrides describe: one per optimizer chosen, each at
    /// its tuned learning rate unless one is given, PSGD's noise seed tied to the run's, and a
    /// save path per run (`save` itself for one run, a file per run inside it for several).
    public func specs(_ defaults: RunDefaults) throws -> [RunSpec] {
        let kinds = (optimizer ?? defaults.optimizer).kinds
        let model = try ModelConfig.named(self.model ?? defaults.model)
        return try kinds.map { kind in
            var spec = RunSpec(model: model, optimizer: kind)
            spec.steps = defaults.steps
            spec.threads = kinds.count == 1 ? defaults.cores : 1
            try apply(to: &spec)
            spec.hyper = kind.hyper(spec.hyper, runSeed: spec.seed)
            if let save, kinds.count == 1 {
                spec.save = save
            } else if let directory = save ?? defaults.saveDirectory {
                spec.save = RunPaths.checkpoint(in: directory, for: spec)
            }
            try spec.validate()
            return spec
        }
    }

    /// `base` (a stored run being re-created) with these overrides applied and validated. The
    /// optimizer cannot change: the hyperparameters belong to it.
    public func respecify(_ base: RunSpec) throws -> RunSpec {
        if let optimizer, optimizer != .one(base.optimizer) {
            throw QScopeError.badInput("a re-created run keeps its optimizer (\(base.optimizer)); drop --optimizer")
        }
        var spec = base
        try apply(to: &spec)
        if let save { spec.save = save }
        try spec.validate()
        return spec
    }
}

extension CodingKey where Self: CaseIterable {
    static var allKeys: [String] { allCases.map(\.stringValue) }
}
