import Analysis
import Core
import Foundation
import Testing

/// Bit allocation (docs/quantization.md §11): budgets are never exceeded, the greedy follows its
/// costs, and the three sensitivities measure what they claim on a trained tiny model.
@Suite("Bit allocation")
struct BitAllocationTests {
    static var config: ModelConfig { QuantizationPlanTests.config }

    static func allocator(menu: [Int] = [2, 3, 4, 6, 8]) throws -> BitAllocator {
        try BitAllocator(menu: menu, method: .rtn, layout: ParameterLayout(config: config), config: config)
    }

    /// Random costs that fall with bits (noisily, so not always convex) at random budgets: every
    /// plan stays within its budget, and the greedy never does worse than uniform on its own costs.
    @Test func allocationNeverExceedsItsBudget() throws {
        let allocator = try Self.allocator()
        let layout = ParameterLayout(config: Self.config)
        var rng = RNG(seed: 21)
        for trial in 0..<200 {
            var costs: [LinearID: [Int: Double]] = [:]
            for id in LinearID.all(in: Self.config) {
                let scale = exp(4 * rng.nextDouble())
                for bits in allocator.menu { costs[id, default: [:]][bits] = scale * pow(2, -Double(bits)) * (0.5 + rng.nextDouble()) }
            }
            let budget = 2 + 6 * rng.nextDouble()
            for strategy in AllocationStrategy.allCases {
                let plan = try allocator.allocate(strategy, averageBits: budget, sensitivity: BitSensitivity(costs: costs))
                let average = plan.footprint(layout: layout).averageWeightBits
                #expect(average <= budget, "trial \(trial) \(strategy): \(average) bits over a budget of \(budget)")
                #expect(plan.footprint(layout: layout).averageActivationBits == average)
                #expect(plan.layers.count == LinearID.all(in: Self.config).count)
            }
            func total(_ plan: ResolvedQuantization) -> Double {
                plan.layers.reduce(0) { $0 + costs[$1.key]![$1.value.weightBits]! }
            }
            let uniform = try allocator.allocate(.uniform, averageBits: budget, sensitivity: nil)
            let greedy = try allocator.allocate(.measured, averageBits: budget, sensitivity: BitSensitivity(costs: costs))
            #expect(total(greedy) <= total(uniform) * (1 + 1e-12) || budget < 3,
                    "trial \(trial): greedy \(total(greedy)) worse than uniform \(total(uniform))")
        }
    }

    @Test func budgetsBelowTheMenuAndBadMenusAreBadInput() throws {
        let allocator = try Self.allocator(menu: [3, 4])
        #expect(throws: QScopeError.self) { try allocator.allocate(.uniform, averageBits: 2.5, sensitivity: nil) }
        #expect(throws: QScopeError.self) { try Self.allocator(menu: [1, 4]) }
        #expect(throws: QScopeError.self) { try Self.allocator(menu: [4, 16]) }
        #expect(throws: QScopeError.self) {
            try BitAllocator(menu: [4], method: .full, layout: ParameterLayout(config: Self.config), config: Self.config)
        }
        let uniform = try allocator.allocate(.uniform, averageBits: 3.99, sensitivity: nil)
        #expect(uniform.layers.values.allSatisfy { $0.weightBits == 3 })
    }

    /// One layer far more sensitive than the rest gets the bits first.
    @Test func greedySpendsOnTheSensitiveLayer() throws {
        let allocator = try Self.allocator()
        let hot = LinearID(layer: 1, kind: .down)
        var costs: [LinearID: [Int: Double]] = [:]
        for id in LinearID.all(in: Self.config) {
            for bits in allocator.menu { costs[id, default: [:]][bits] = (id == hot ? 1000 : 1) * pow(2, -Double(bits)) }
        }
        let plan = try allocator.allocate(.abc, averageBits: 3.5, sensitivity: BitSensitivity(costs: costs))
        #expect(plan.layers[hot]!.weightBits == 8)
        #expect(plan.layers.filter { $0.key != hot }.values.allSatisfy { $0.weightBits < 8 })
    }

    @Test func sensitivitiesOnATrainedModel() throws {
        let evaluator = try QuantizationPlanTests.evaluator(evalBatches: 1)
        let allocator = try Self.allocator(menu: [2, 4, 8])
        let measured = try evaluator.measuredSensitivity(menu: allocator.menu, method: .rtn)
        let abc = try evaluator.propagationSensitivity(menu: allocator.menu, method: .rtn)
        let traces = evaluator.hessianTraces(samples: 4, batches: 1)
        let hawq = try evaluator.hessianSensitivity(menu: allocator.menu, method: .rtn, traces: traces)
        let ids = LinearID.all(in: Self.config)
        print("traces", ids.map { String(format: "%@ %.3g", $0.description, traces[$0]!) })
        // Fewer bits cost more, summed over layers, for every sensitivity.
        for (name, s) in [("measured", measured), ("abc", abc), ("hawq", hawq)] {
            let at = { (bits: Int) in ids.reduce(0.0) { $0 + s.costs[$1]![bits]! } }
            print(name, at(2), at(4), at(8))
            #expect(at(2) > at(4) && at(4) > at(8), "\(name)")
        }
        #expect(traces.values.allSatisfy { $0.isFinite })
        #expect(traces.values.reduce(0, +) > 0)
    }

    /// T(head) = 1 and T = the product of gains along a plain chain (the head's and final norm's inputs).
    @Test func transferIsTheProductOfDownstreamGains() throws {
        let evaluator = try QuantizationPlanTests.evaluator(evalBatches: 1)
        let plan = ResolvedQuantization.uniform(.defaultQuantized, config: Self.config)
        let analyzer = try evaluator.propagation(plan, prequantized: evaluator.parameters, separateInputs: true)
        let report = analyzer.report(step: 0), transfer = analyzer.transfer()
        let n = report.modules.count
        #expect(report.modules[n - 1].name == "head" && report.modules[n - 2].name == "norm")
        #expect(transfer[n - 1] == 1)
        #expect(abs(transfer[n - 2] - report.modules[n - 1].gain!) < 1e-12)
        #expect(abs(transfer[n - 3] - report.modules[n - 1].gain! * report.modules[n - 2].gain!) < 1e-12)
        #expect(transfer.allSatisfy { $0.isFinite && $0 >= 0 })
    }
}
