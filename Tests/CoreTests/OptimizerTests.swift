import Core
import Foundation
import Testing

@Suite("Optimizers and schedules")
struct OptimizerTests {
    struct Golden: Decodable {
        struct Case: Decodable {
            struct Hyper: Decodable { let lr: Double; let betas: [Double]; let eps: Double; let weight_decay: Double }
            let shape: [Int]
            let hyper: Hyper
            let param: [Double]
            let grads: [[Double]]
            let params: [[Double]]
        }
        let cases: [Case]
    }

    /// torch.optim.AdamW in float64 (scripts/golden/adamw_golden.py). Our fp32 state after a few
    /// steps differs by float rounding only: ~1e-7 relative to the O(1) parameters; 1e-5 would
    /// still catch a misplaced ε, a missing bias correction or coupled weight decay (all ≥ 1e-4).
    @Test func adamWMatchesPyTorch() throws {
        let url = try #require(Bundle.module.url(forResource: "Golden/adamw", withExtension: "json"))
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        for c in golden.cases {
            let info = ParameterInfo(name: "w", role: .hidden, shape: c.shape, offset: 0)
            let rule = AdamW(beta1: Float(c.hyper.betas[0]), beta2: Float(c.hyper.betas[1]),
                             eps: Float(c.hyper.eps), weightDecay: Float(c.hyper.weight_decay))
            let state = TensorState(slots: rule.stateSlots(for: info))
            let p = Tensor(shape: c.shape, values: c.param.map(Float.init))
            for (step, (grad, expected)) in zip(c.grads, c.params).enumerated() {
                let g = grad.map(Float.init)
                state.step = step + 1
                g.withUnsafeBufferPointer {
                    rule.update(parameter: p.buffer, gradient: $0, info: info, state: state, lr: Float(c.hyper.lr))
                }
                let ours = p.array.map(Double.init)
                GradientCheck.report("adamw \(c.shape) step \(step + 1)", analytic: ours, numeric: expected)
                #expect(GradientCheck.maxAbsDiff(ours, expected) < 1e-5)
            }
        }
    }

    @Test func trapezoidalScheduleHasTheStudysShape() {
        let s = LRSchedule.study
        #expect(abs(s.factor(step: 0, total: 1000) - 0.001) < 1e-12)
        #expect(abs(s.factor(step: 25, total: 1000) - (0.001 + 0.999 * 0.5)) < 1e-12)
        #expect(s.factor(step: 50, total: 1000) == 1)
        #expect(s.factor(step: 799, total: 1000) == 1)
        #expect(abs(s.factor(step: 900, total: 1000) - 0.5) < 1e-12)
        #expect(abs(s.factor(step: 999, total: 1000) - 0.005) < 1e-12)
        let cosine = LRSchedule.cosine(warmup: 0.1, floor: 0)
        #expect(cosine.factor(step: 10, total: 100) == 1)
        #expect(abs(cosine.factor(step: 55, total: 100) - 0.5) < 1e-12)
        #expect(throws: QScopeError.self) { try ScheduleKind(named: "linear") }
    }

    @Test func optimizerStepsEveryRoleAndReportsState() throws {
        let config = ModelConfig(name: "t", width: 12, layers: 1, heads: 6, kvHeads: 2)
        let layout = ParameterLayout(config: config)
        let opt = try OptimizerKind.adamw.make(layout: layout)
        #expect(opt.stateByteCount == 2 * 4 * layout.totalCount)
        let params = Tensor(shape: [layout.totalCount]), grads = Tensor(shape: [layout.totalCount])
        for i in 0..<grads.count { grads[i] = 1 }
        opt.step(parameters: params, gradients: grads, baseLR: 0.1, factor: 1)
        // Adam's first step moves every coordinate by lr·sign(g) (up to ε).
        #expect(params.array.allSatisfy { abs($0 + 0.1) < 1e-6 })
        #expect(throws: QScopeError.self) { try OptimizerKind(named: "sgd") }
    }
}

@Suite("AdamW golden runs")
struct AdamWGoldenTests {
    /// Float32 state against a float64 reference: rounding stays near 1e-7 of the parameter scale.
    @Test func replaysMatch() throws {
        for (name, errors) in try OptimizerGolden.replayAll(prefix: "adamw_") {
            #expect(errors.allSatisfy { $0 < 1e-5 }, "\(name)")
        }
    }
}
