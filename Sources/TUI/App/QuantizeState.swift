import Core

/// A row of the Quantize view: a block linear, or the tied head.
public enum QuantizeTarget: Hashable, Sendable {
    case linear(LinearID)
    case head

    /// The parameter name (`blocks.0.attn.q`), or `head`: also the module's name in the chain.
    public var name: String {
        switch self {
        case .linear(let id): return id.parameterName
        case .head: return "head"
        }
    }

    /// The rows of a model of `config`: its block linears in forward order, then the head.
    public static func all(in config: ModelConfig) -> [QuantizeTarget] {
        LinearID.all(in: config).map(QuantizeTarget.linear) + [.head]
    }
}

/// Which layers an edit in the Quantize view changes.
public enum QuantizeScope: String, CaseIterable, Sendable {
    /// The selected layer only.
    case layer
    /// Every layer of the selected layer's kind (q, k, …, down) in every block.
    case kind
    /// Every block linear.
    case all
}

/// An edit of one layer's quantization, from a key of the Quantize view.
public enum QuantizeEdit: Equatable, Sendable {
    /// Weight bits up (+1) or down (−1), within 2–8; down from full precision gives W8A8 RTN.
    case weightBits(Int)
    /// Input bits up or down, within 2–8; up from 8 leaves the input exact, down from exact gives 8.
    case activationBits(Int)
    /// RTN → GPTQ → full precision → RTN W4A4 (the head skips GPTQ, which it cannot take).
    case cycleMethod
}

/// What the Quantize view keeps between keys: each run's plan as edited, the scope of edits,
/// and the bit budget of "allocate".
///
/// Plans live here, not in the worker that measures them, so every edit is a pure function of
/// the state (tested without threads) and the dashboard submits whatever plan is on screen.
public struct QuantizeState: Equatable, Sendable {
    /// Each run's plan by run id; a run without one shows uniform W4A4 RTN (the study's PTQ).
    public var plans: [Int: ResolvedQuantization]
    public var scope: QuantizeScope
    /// The average weight bits `a` allocates (2–8 in steps of 0.5).
    public var budget: Double
    /// Bumped by `f`: the next evaluation fetches the run's weights afresh.
    public var refresh: Int

    public static let budgetRange = 2.0...8.0
    public static let budgetStep = 0.5
    /// The widths an allocation picks from.
    public static let menu = [2, 3, 4, 6, 8]

    public init(plans: [Int: ResolvedQuantization] = [:], scope: QuantizeScope = .layer, budget: Double = 4,
                refresh: Int = 0) {
        self.plans = plans
        self.scope = scope
        self.budget = budget
        self.refresh = refresh
    }

    /// The study's PTQ: every block linear W4A4 RTN per row and per token, the head exact.
    public static func defaultPlan(for config: ModelConfig) -> ResolvedQuantization {
        .uniform(.defaultQuantized, config: config)
    }

    /// The plan shown for run `id` of `config`.
    public func plan(run id: Int, config: ModelConfig) -> ResolvedQuantization {
        plans[id] ?? Self.defaultPlan(for: config)
    }

    /// The model a run trains, from its spec or, failing that, its size's name.
    public static func config(of run: RunSnapshot) -> ModelConfig? {
        run.spec?.model ?? (try? ModelConfig.named(run.model))
    }

    /// The layers an edit of `target` changes under `scope`; the head is always edited alone.
    public static func targets(of target: QuantizeTarget, scope: QuantizeScope,
                               config: ModelConfig) -> [QuantizeTarget] {
        guard case .linear(let id) = target else { return [.head] }
        switch scope {
        case .layer: return [target]
        case .kind: return LinearID.all(in: config).filter { $0.kind == id.kind }.map(QuantizeTarget.linear)
        case .all: return LinearID.all(in: config).map(QuantizeTarget.linear)
        }
    }

    /// `layer` after `edit`, or why it cannot change (a message for the status line).
    public static func edited(_ layer: LayerQuantization, by edit: QuantizeEdit,
                              isHead: Bool) -> Result<LayerQuantization, QuantizeEditRefusal> {
        switch edit {
        case .weightBits(let delta):
            if layer.method == .full {
                return delta < 0 ? make(.rtn, weight: 8, input: 8) : .failure(.init("full precision already"))
            }
            let bits = layer.weightBits + delta
            guard (2...8).contains(bits) else { return .failure(.init("weights take 2 to 8 bits (c: full precision)")) }
            return make(layer.method, weight: bits, input: layer.activationBits, granularity: layer.granularity)
        case .activationBits(let delta):
            guard layer.method != .full else { return .failure(.init("full precision: c picks a method first")) }
            let input: Int?
            switch (layer.activationBits, delta > 0) {
            case (nil, true): return .failure(.init("the input is exact already"))
            case (nil, false): input = 8
            case (8?, true): input = nil
            case (let bits?, _): input = bits + delta
            }
            guard input.map({ (2...8).contains($0) }) ?? true else { return .failure(.init("inputs take 2 to 8 bits")) }
            return make(layer.method, weight: layer.weightBits, input: input, granularity: layer.granularity)
        case .cycleMethod:
            switch layer.method {
            case .rtn where isHead, .gptq: return .success(.full)
            case .rtn: return make(.gptq, weight: layer.weightBits, input: layer.activationBits)
            case .full: return .success(.defaultQuantized)
            }
        }
    }

    private static func make(_ method: QuantMethod, weight: Int, input: Int?,
                             granularity: QuantGranularity = .row) -> Result<LayerQuantization, QuantizeEditRefusal> {
        Result { try LayerQuantization(method: method, weightBits: weight, activationBits: input,
                                       granularity: method == .gptq && granularity == .tensor ? .row : granularity) }
            .mapError { QuantizeEditRefusal("\($0)") }
    }

    /// `plan` with `edit` applied to `target` and given to every layer in `scope`: the
    /// selected layer's new setting becomes the setting of its whole kind (or of all layers).
    public static func apply(_ edit: QuantizeEdit, to target: QuantizeTarget, scope: QuantizeScope,
                             plan: ResolvedQuantization, config: ModelConfig)
        -> Result<ResolvedQuantization, QuantizeEditRefusal> {
        let current = setting(of: target, in: plan)
        return edited(current, by: edit, isHead: target == .head).map { layer in
            var plan = plan
            for each in targets(of: target, scope: scope, config: config) {
                switch each {
                case .linear(let id): plan.layers[id] = layer
                case .head: plan.head = layer
                }
            }
            return plan
        }
    }

    /// The quantization `plan` gives `target`.
    public static func setting(of target: QuantizeTarget, in plan: ResolvedQuantization) -> LayerQuantization {
        switch target {
        case .linear(let id): return plan.layers[id] ?? .full
        case .head: return plan.head
        }
    }

    /// The budget moved by `steps` half bits, kept within `budgetRange`.
    public static func stepped(budget: Double, by steps: Int) -> Double {
        min(max(budget + Double(steps) * budgetStep, budgetRange.lowerBound), budgetRange.upperBound)
    }
}

/// Why an edit left a layer as it was, in words for the status line.
public struct QuantizeEditRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
