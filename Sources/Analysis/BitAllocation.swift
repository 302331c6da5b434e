import Core

/// How an allocation spends its bits (docs/quantization.md §11).
public enum AllocationStrategy: String, NamedChoice {
    /// Every layer at the widest menu width the budget affords.
    case uniform
    /// Greedy on each layer's measured loss increase when quantized alone.
    case measured
    /// Greedy on each layer's local error B carried to the logits by the downstream gains.
    case abc
    /// Greedy on the Hessian trace times the weight perturbation (HAWQ).
    case hawq

    public static let noun = "allocation strategy"
}

/// Chooses W_bA_b per block linear from a menu of widths under an average-bits budget.
///
/// The budget limits Σ nᵢ·bᵢ / Σ nᵢ over the block linears (nᵢ: the layer's weights, which is
/// also its multiply-accumulates per token, so the same average holds for weights and inputs).
/// The head stays in full precision, as in the study's PTQ.
public struct BitAllocator: Sendable {
    /// The widths a layer may take, ascending, each 2–8.
    public let menu: [Int]
    public let method: QuantMethod
    /// Each block linear's weight count.
    public let sizes: [LinearID: Int]

    public init(menu: [Int], method: QuantMethod, layout: ParameterLayout, config: ModelConfig) throws {
        let widths = Array(Set(menu)).sorted()
        guard let low = widths.first, let high = widths.last, low >= 2, high <= 8 else {
            throw QScopeError.badInput("the bit menu must list widths from 2 to 8 (got \(menu))")
        }
        guard method != .full else { throw QScopeError.badInput("allocate with --method rtn or gptq") }
        self.menu = widths
        self.method = method
        sizes = Dictionary(uniqueKeysWithValues: LinearID.all(in: config).map {
            ($0, layout.info(named: $0.parameterName)!.count)
        })
    }

    /// The plan for `strategy` at `averageBits` (`sensitivity` for the greedy ones); the
    /// budget is never exceeded, and one below the narrowest width is bad input.
    public func allocate(_ strategy: AllocationStrategy, averageBits: Double,
                         sensitivity: BitSensitivity?) throws -> ResolvedQuantization {
        guard averageBits + 1e-9 >= Double(menu[0]) else {
            throw QScopeError.badInput("a budget of \(averageBits) bits is below the menu's narrowest width, \(menu[0])")
        }
        let bits: [LinearID: Int]
        if strategy == .uniform {
            let width = menu.last { Double($0) <= averageBits + 1e-9 }!
            bits = sizes.mapValues { _ in width }
        } else {
            guard let sensitivity else { preconditionFailure("\(strategy) allocates from a sensitivity") }
            bits = greedy(sensitivity.costs, averageBits: averageBits)
        }
        return ResolvedQuantization(layers: try bits.mapValues { try .uniform(method, bits: $0) })
    }

    /// Starts every layer at the narrowest width, then repeatedly takes the widening with the
    /// largest cost reduction per bit spent (any wider menu width, so a non-convex cost curve
    /// can skip a step) while one fits the budget and reduces the cost.
    func greedy(_ costs: [LinearID: [Int: Double]], averageBits: Double) -> [LinearID: Int] {
        let ids = sizes.keys.sorted()
        var bits = Dictionary(uniqueKeysWithValues: ids.map { ($0, menu[0]) })
        let total = ids.reduce(0) { $0 + sizes[$1]! }
        // Integer bit counts: the budget test is exact, so the average can never exceed it.
        let limit = Int((averageBits * Double(total)).rounded(.down))
        var spent = total * menu[0]
        while true {
            var best: (id: LinearID, width: Int, ratio: Double)?
            for id in ids {
                let now = bits[id]!, cost = costs[id] ?? [:]
                for width in menu where width > now {
                    let extra = sizes[id]! * (width - now)
                    guard spent + extra <= limit else { continue }
                    let gain = (cost[now] ?? 0) - (cost[width] ?? 0)
                    let ratio = gain / Double(extra)
                    if gain > 0, ratio > best?.ratio ?? 0 { best = (id, width, ratio) }
                }
            }
            guard let best else { return bits }
            spent += sizes[best.id]! * (best.width - bits[best.id]!)
            bits[best.id] = best.width
        }
    }
}
