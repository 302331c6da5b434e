import Analysis
import Core
import Foundation

extension StudyResults {
    /// One optimizer's compared model under average-bits budgets: the uniform plan against the
    /// best greedy allocation at each (docs/analysis.md §10).
    public struct AllocationCurve: Sendable, Codable, Equatable {
        public var optimizer: OptimizerKind
        public var size: String
        public var seed: UInt64
        /// The common-loss step measured.
        public var step: Int
        /// The greedy strategies the best plan was chosen from.
        public var strategies: [AllocationStrategy]
        /// One per budget, in the spec's order.
        public var points: [AllocationPoint]
    }

    /// The uniform plan and the best allocated plan at one budget.
    public struct AllocationPoint: Sendable, Codable, Equatable {
        public var budget: Double
        /// The uniform plan's average weight bits (the widest menu width within the budget).
        public var uniformBits: Double
        public var uniformIncrease: Double
        /// The greedy strategy with the lowest loss (ties: the earlier in the spec's list).
        public var bestStrategy: AllocationStrategy
        public var bestBits: Double
        public var bestIncrease: Double
    }

    /// The allocation curve of each of `compared` whose allocation was measured at the common
    /// loss with the spec's settings; nil when none was.
    static func allocationCurves(_ compared: [StoredStudyRun], spec: StudySpec, commonLoss: [CommonLoss],
                                 store: RunStore) throws -> [AllocationCurve]? {
        let curves = try compared.compactMap { run -> AllocationCurve? in
            guard let step = try stepOf(run, .common, commonLoss: commonLoss, store: store),
                  let measured = try store.measurement(
                      AllocationMeasurement.self, run: run.id, point: StudyMeasurements.Point.allocation.rawValue, step: step,
                      settings: StudyMeasurements.settings(.allocation, of: run, spec: spec)) else { return nil }
            return AllocationCurve(optimizer: run.optimizer, size: run.size, seed: run.seed, step: step,
                                   strategies: measured.strategies, points: allocationPoints(measured))
        }
        return curves.isEmpty ? nil : curves
    }

    /// Per budget (in the order measured): the uniform plan and the lowest-loss greedy plan.
    static func allocationPoints(_ measured: AllocationMeasurement) -> [AllocationPoint] {
        var budgets: [Double] = []
        for plan in measured.plans where !budgets.contains(plan.budget) { budgets.append(plan.budget) }
        return budgets.compactMap { budget in
            let plans = measured.plans.filter { $0.budget == budget }
            guard let uniform = plans.first(where: { $0.strategy == .uniform }) else { return nil }
            // min(by:) keeps the first of equal elements: a tie goes to the earlier strategy.
            let greedy = measured.strategies.compactMap { strategy in plans.first { $0.strategy == strategy } }
            guard let best = greedy.min(by: { $0.increase < $1.increase }) else { return nil }
            return AllocationPoint(budget: budget, uniformBits: uniform.averageBits, uniformIncrease: uniform.increase,
                                   bestStrategy: best.strategy, bestBits: best.averageBits, bestIncrease: best.increase)
        }
    }
}
