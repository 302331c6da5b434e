import Core
import Foundation

/// A whole study, as the paper ran it (docs/analysis.md §10), scaled to this machine: which
/// optimizers and sizes, how many seeds, the token budget, the learning-rate sweep, QAT and PTQ.
///
/// Written as TOML (`qscope study --spec FILE`) or taken from a preset; `StudyPlan` expands it
/// into `RunSpec`s stage by stage.
public struct StudySpec: Sendable, Equatable, Codable {
    public var name: String
    public var optimizers: [OptimizerKind] = OptimizerKind.allCases
    public var sizes: [StudySize]
    /// The first seed runs the sweep; every seed trains at the chosen rate.
    public var seeds: [UInt64] = [1, 2]
    /// Training tokens per parameter (all parameters, the tied embedding included; docs/analysis.md §10).
    public var tokensPerParameter: Double = 20
    public var batch: Int = 16
    public var seq: Int = 128
    /// The text trained on; nil: the built-in corpus.
    public var corpus: String?
    /// Validation evaluations per run, evenly spaced (each keeps a parameter snapshot, so the
    /// common-loss checkpoint can be found afterwards).
    public var evalPoints: Int = 10
    public var evalBatches: Int = 8
    /// Data-parallel shards per run (part of each run's identity: sums are ordered by it).
    public var threads: Int = 1
    /// Every run's matrix products (the paper trains in bf16 autocast; fp32 by default here).
    public var precision: MatmulPrecision = .fp32
    public var lr = LearningRateGrid()
    /// What N counts in the scaling-law fit: non-embedding parameters (QuEST's choice, the
    /// default) or all of them.
    public var scalingParameters: ParameterCount = .nonEmbedding
    public var qat: QATSetting = QATSetting()
    public var ptq = PTQSetting()
    /// Bits allocated per layer against uniform bits, on each optimizer's compared model.
    public var allocation = AllocationSetting()
    /// Resources of each task when the study runs as Slurm array jobs (`--emit slurm`).
    public var slurm: SlurmSettings?

    public init(name: String, sizes: [StudySize]) {
        self.name = name
        self.sizes = sizes
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, optimizers, sizes, seeds, batch, seq, corpus, threads, lr, qat, ptq, allocation, precision, slurm
        case tokensPerParameter = "tokens_per_parameter", evalPoints = "eval_points", evalBatches = "eval_batches"
        case scalingParameters = "scaling_parameters"
    }

    /// Every key optional but `name` and `sizes`; unknown keys are errors.
    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), sizes: try c.decode([StudySize].self, forKey: .sizes))
        optimizers = try c.decodeIfPresent([OptimizerKind].self, forKey: .optimizers) ?? optimizers
        seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? seeds
        tokensPerParameter = try c.decodeIfPresent(Double.self, forKey: .tokensPerParameter) ?? tokensPerParameter
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? batch
        seq = try c.decodeIfPresent(Int.self, forKey: .seq) ?? seq
        corpus = try c.decodeIfPresent(String.self, forKey: .corpus)
        evalPoints = try c.decodeIfPresent(Int.self, forKey: .evalPoints) ?? evalPoints
        evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? evalBatches
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? threads
        precision = try c.decodeIfPresent(MatmulPrecision.self, forKey: .precision) ?? precision
        slurm = try c.decodeIfPresent(SlurmSettings.self, forKey: .slurm)
        lr = try c.decodeIfPresent(LearningRateGrid.self, forKey: .lr) ?? lr
        scalingParameters = try c.decodeIfPresent(ParameterCount.self, forKey: .scalingParameters) ?? scalingParameters
        qat = try c.decodeIfPresent(QATSetting.self, forKey: .qat) ?? qat
        ptq = try c.decodeIfPresent(PTQSetting.self, forKey: .ptq) ?? ptq
        allocation = try c.decodeIfPresent(AllocationSetting.self, forKey: .allocation) ?? allocation
    }

    /// The geometric learning-rate sweep per (size, optimizer): `points` rates from
    /// `low`× to `high`× the optimizer's tuned rate.
    public struct LearningRateGrid: Sendable, Equatable, Codable {
        public var points: Int = 8
        public var low: Double = 0.25
        public var high: Double = 4

        public init(points: Int = 8, low: Double = 0.25, high: Double = 4) {
            self.points = points
            self.low = low
            self.high = high
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case points, low, high }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init()
            points = try c.decodeIfPresent(Int.self, forKey: .points) ?? points
            low = try c.decodeIfPresent(Double.self, forKey: .low) ?? low
            high = try c.decodeIfPresent(Double.self, forKey: .high) ?? high
        }

        /// The rates for `optimizer`, smallest first.
        public func rates(for optimizer: OptimizerKind) -> [Float] {
            let base = Double(optimizer.defaultPeakLearningRate)
            guard points > 1 else { return [Float(base * (low * high).squareRoot())] }
            return (0..<points).map { i in
                Float(base * low * Math.pow(high / low, Double(i) / Double(points - 1)))
            }
        }
    }

    /// Quantization-aware training from scratch at each chosen rate, for every seed.
    public struct QATSetting: Sendable, Equatable, Codable {
        public var enabled = true
        public var method: QATMethod = .quest
        public var bits = 4
        public var actBits = 4

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case enabled, method, bits
            case actBits = "act_bits"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
            method = try c.decodeIfPresent(QATMethod.self, forKey: .method) ?? method
            bits = try c.decodeIfPresent(Int.self, forKey: .bits) ?? bits
            actBits = try c.decodeIfPresent(Int.self, forKey: .actBits) ?? bits
        }

        public var config: QATConfig? { enabled ? QATConfig(method: method, weightBits: bits, inputBits: actBits) : nil }
    }

    /// Post-training quantization at the common loss and at the end: W`bits`A`actBits` RTN
    /// per row, and GPTQ weights with RTN inputs.
    public struct PTQSetting: Sendable, Equatable, Codable {
        public var bits = 4
        public var actBits = 4
        public var gptq = true
        public var evalBatches = 8
        public var calibrationBatches = 4
        public var propagationBatches = 2

        public init() {}

        /// The settings a measurement depends on, part of its key in the store.
        public var key: String {
            "w\(bits)a\(actBits) gptq=\(gptq) eval=\(evalBatches) cal=\(calibrationBatches) abc=\(propagationBatches)"
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bits, gptq
            case actBits = "act_bits", evalBatches = "eval_batches", calibrationBatches = "calibration_batches"
            case propagationBatches = "propagation_batches"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            bits = try c.decodeIfPresent(Int.self, forKey: .bits) ?? bits
            actBits = try c.decodeIfPresent(Int.self, forKey: .actBits) ?? bits
            gptq = try c.decodeIfPresent(Bool.self, forKey: .gptq) ?? gptq
            evalBatches = try c.decodeIfPresent(Int.self, forKey: .evalBatches) ?? evalBatches
            calibrationBatches = try c.decodeIfPresent(Int.self, forKey: .calibrationBatches) ?? calibrationBatches
            propagationBatches = try c.decodeIfPresent(Int.self, forKey: .propagationBatches) ?? propagationBatches
        }
    }

    /// Every value in range; errors name the key.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw QScopeError.badInput(message) } }
        try require(!optimizers.isEmpty, "optimizers must name at least one optimizer")
        try require(!sizes.isEmpty, "sizes must name at least one model size")
        try require(!seeds.isEmpty, "seeds must list at least one seed")
        try require(Set(seeds).count == seeds.count, "seeds must be distinct")
        try require(tokensPerParameter.isFinite && tokensPerParameter > 0, "tokens_per_parameter must be positive")
        try require(batch > 0 && seq >= 2, "batch must be positive and seq at least 2")
        try require(evalPoints > 0 && evalBatches > 0, "eval_points and eval_batches must be positive")
        try require(threads > 0, "threads must be positive")
        try require(lr.points > 0, "lr.points must be positive (the grid cannot be empty)")
        try require(lr.low > 0 && lr.high >= lr.low && lr.high.isFinite, "lr needs 0 < low <= high")
        try require(ptq.evalBatches > 0 && ptq.calibrationBatches > 0 && ptq.propagationBatches > 0,
                    "ptq batches must be positive")
        for size in sizes {
            try size.checkName()
            try size.model().validate()
        }
        let names = sizes.map { $0.model().name }
        try require(Set(names).count == names.count, "sizes must be distinct (\(names.joined(separator: ", ")))")
        if let qat = qat.config { try qat.validate() }
        _ = try RoundToNearest(bits: ptq.bits)
        _ = try RoundToNearest(bits: ptq.actBits)
        try allocation.validate()
    }
}

/// A model size of a study: one of `qscope models` by name, or custom dimensions.
public struct StudySize: Sendable, Equatable, Codable {
    public var name: String?
    public var width: Int?
    public var layers: Int?
    public var heads: Int?
    public var kvHeads: Int?

    public init(name: String) { self.name = name }

    public init(width: Int, layers: Int, heads: Int = 6, kvHeads: Int = 2) {
        (self.width, self.layers, self.heads, self.kvHeads) = (width, layers, heads, kvHeads)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, width, layers, heads
        case kvHeads = "kv_heads"
    }

    /// `tiny` decodes as a named size; a table as custom dimensions.
    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.name = name
            return
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        width = try c.decodeIfPresent(Int.self, forKey: .width)
        layers = try c.decodeIfPresent(Int.self, forKey: .layers)
        heads = try c.decodeIfPresent(Int.self, forKey: .heads)
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads)
    }

    /// The model: the named size with any dimension given overriding it, or custom dims
    /// (named `w<width>l<layers>`).
    public func model() -> ModelConfig {
        let base = name.flatMap { try? ModelConfig.named($0) }
        let width = self.width ?? base?.width ?? 0, layers = self.layers ?? base?.layers ?? 0
        var model = ModelConfig(name: name ?? "w\(width)l\(layers)", width: width, layers: layers,
                                heads: heads ?? base?.heads ?? 6, kvHeads: kvHeads ?? base?.kvHeads ?? 2)
        if base == nil, let name, width == 0 { model.name = name }
        return model
    }

    /// A named size that does not exist: bad input naming it.
    func checkName() throws {
        if let name, width == nil, layers == nil { _ = try ModelConfig.named(name) }
    }
}

/// Which parameters a scaling law's N counts.
public enum ParameterCount: String, NamedChoice {
    case nonEmbedding = "non_embedding"
    case total

    public static let noun = "parameter count"
}
