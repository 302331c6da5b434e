import Core

/// Each strategy's plan at each budget, measured on the validation batches (docs/quantization.md §11.3).
public struct AllocationTable: Sendable {
    public struct Row: Sendable {
        public let strategy: AllocationStrategy
        /// The average-bits budget the plan was chosen under.
        public let budget: Double
        public let evaluation: PlanEvaluation
    }

    public let rows: [Row]

    /// The plan with the lowest measured loss at `budget` (ties: the earlier strategy).
    public func best(at budget: Double) -> Row? {
        rows.filter { $0.budget == budget }.min { $0.evaluation.quantizedLoss < $1.evaluation.quantizedLoss }
    }
}

extension PlanEvaluator {
    /// The sensitivity `strategy` allocates from (nil for uniform).
    public func sensitivity(for strategy: AllocationStrategy, allocator: BitAllocator,
                            hutchinsonSamples: Int = 8) throws -> BitSensitivity? {
        switch strategy {
        case .uniform: return nil
        case .measured: return try measuredSensitivity(menu: allocator.menu, method: allocator.method)
        case .abc: return try propagationSensitivity(menu: allocator.menu, method: allocator.method)
        case .hawq:
            return try hessianSensitivity(menu: allocator.menu, method: allocator.method,
                                          traces: hessianTraces(samples: hutchinsonSamples))
        }
    }

    /// Allocates with every strategy at every budget and measures each plan; `progress` hears
    /// what is being done.
    public func allocationTable(allocator: BitAllocator, budgets: [Double], strategies: [AllocationStrategy],
                                progress: (String) -> Void = { _ in }) throws -> AllocationTable {
        var rows: [AllocationTable.Row] = []
        for strategy in strategies {
            progress("\(strategy): measuring sensitivities")
            let sensitivity = try self.sensitivity(for: strategy, allocator: allocator)
            for budget in budgets {
                progress("\(strategy): evaluating the plan at \(budget) bits")
                let plan = try allocator.allocate(strategy, averageBits: budget, sensitivity: sensitivity)
                rows.append(.init(strategy: strategy, budget: budget, evaluation: try evaluate(plan)))
            }
        }
        return AllocationTable(rows: rows)
    }
}
