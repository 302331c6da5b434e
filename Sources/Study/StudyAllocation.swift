import Analysis
import Core
import Foundation

extension StudySpec {
    /// Bits allocated per layer against uniform bits (docs/analysis.md §10): W_bA_b RTN plans
    /// under average-bits budgets, measured on each optimizer's compared model at the common loss.
    public struct AllocationSetting: Sendable, Equatable, Codable {
        public var enabled = true
        /// Average-bits budgets (Σ nᵢbᵢ / Σ nᵢ over the block linears).
        public var budgets: [Double] = [3, 4, 4.5, 5, 6]
        /// The widths a layer may take.
        public var menu: [Int] = [2, 3, 4, 6, 8]
        /// The greedy strategies whose best plan is compared with the uniform one (uniform is
        /// always measured).
        public var strategies: [AllocationStrategy] = [.measured, .abc, .hawq]
        /// `measured` quantizes each layer alone at each width, one loss per (layer, width), so
        /// its cost grows with depth times model size: it is skipped on models with more
        /// parameters than this (the default keeps the paper preset's `s` models to abc and hawq).
        public var measuredMaxParameters = 200_000

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case enabled, budgets, menu, strategies
            case measuredMaxParameters = "measured_max_parameters"
        }

        public init(from decoder: Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
            budgets = try c.decodeIfPresent([Double].self, forKey: .budgets) ?? budgets
            menu = try c.decodeIfPresent([Int].self, forKey: .menu) ?? menu
            strategies = try c.decodeIfPresent([AllocationStrategy].self, forKey: .strategies) ?? strategies
            measuredMaxParameters = try c.decodeIfPresent(Int.self, forKey: .measuredMaxParameters) ?? measuredMaxParameters
        }

        /// The greedy strategies measured on a model of `parameters` parameters.
        public func strategies(parameters: Int) -> [AllocationStrategy] {
            strategies.filter { $0 != .measured || parameters <= measuredMaxParameters }
        }

        /// What a measurement of a model of `parameters` parameters depends on, part of its key
        /// in the store: a changed budget or strategy list measures again.
        func key(parameters: Int) -> String {
            "alloc rtn menu=\(menu.map(String.init).joined(separator: ",")) "
                + "budgets=\(budgets.map { String($0) }.joined(separator: ",")) "
                + "strategies=\(strategies(parameters: parameters).map(\.rawValue).joined(separator: ","))"
        }

        /// Every value in range; errors name the key.
        func validate() throws {
            guard enabled else { return }
            func require(_ ok: Bool, _ message: String) throws { if !ok { throw QScopeError.badInput(message) } }
            try require(!menu.isEmpty && menu.allSatisfy { (2...8).contains($0) }, "allocation.menu must list widths from 2 to 8")
            try require(!budgets.isEmpty, "allocation.budgets must list at least one budget")
            let narrowest = menu.min() ?? 2, widest = menu.max() ?? 8
            try require(budgets.allSatisfy { $0.isFinite && $0 >= Double(narrowest) && $0 <= Double(widest) },
                        "allocation.budgets must lie between the menu's narrowest and widest widths")
            try require(!strategies.isEmpty && !strategies.contains(.uniform),
                        "allocation.strategies must name greedy strategies (measured, abc, hawq); uniform is always measured")
            try require(Set(strategies).count == strategies.count, "allocation.strategies must be distinct")
            try require(measuredMaxParameters >= 0, "allocation.measured_max_parameters must not be negative")
        }
    }
}

/// What the study measured of bit allocation on one model: every plan's average bits and loss
/// increase, uniform and each greedy strategy at each budget, on the validation batches.
public struct AllocationMeasurement: Sendable, Codable, Equatable {
    /// The step of the checkpoint measured.
    public var step: Int
    public var fullPrecisionLoss: Double
    /// The greedy strategies measured (the spec's, less `measured` on a large model).
    public var strategies: [AllocationStrategy]
    public var plans: [Plan]

    /// One strategy's plan at one budget.
    public struct Plan: Sendable, Codable, Equatable {
        public var strategy: AllocationStrategy
        public var budget: Double
        /// The plan's average weight bits: the budget or less (uniform takes the widest menu
        /// width within it).
        public var averageBits: Double
        public var increase: Double
    }

    /// Allocates and evaluates every plan on the checkpoint at `path` (step `step`) with the
    /// PTQ measurement's batches: loss on the validation batches, sensitivities on calibration ones.
    static func measure(path: String, step: Int, corpus: Corpus, setting: StudySpec.AllocationSetting,
                        ptq: StudySpec.PTQSetting) throws -> AllocationMeasurement {
        let evaluator = try PlanEvaluator(file: try Safetensors.read(path: path), path: path, corpus: corpus,
                                          evalBatches: ptq.evalBatches, propagationBatches: ptq.propagationBatches,
                                          calibrationBatches: ptq.calibrationBatches)
        let allocator = try BitAllocator(menu: setting.menu, method: .rtn, layout: evaluator.layout, config: evaluator.config)
        let strategies = setting.strategies(parameters: evaluator.config.parameterCount)
        let table = try evaluator.allocationTable(allocator: allocator, budgets: setting.budgets,
                                                  strategies: [.uniform] + strategies)
        return AllocationMeasurement(step: step, fullPrecisionLoss: evaluator.fullPrecisionLoss, strategies: strategies,
                                     plans: table.rows.map {
            Plan(strategy: $0.strategy, budget: $0.budget, averageBits: $0.evaluation.footprint.averageWeightBits,
                 increase: $0.evaluation.increase)
        })
    }
}
