import Core
import Testing

/// Gradients that break careless preconditioners: all zeros, rank one, vanishingly small, and
/// wildly scaled rows. No optimizer may put NaN or Inf into the parameters, over enough steps to
/// cross several preconditioner refreshes.
@Suite("Optimizer robustness")
struct OptimizerRobustnessTests {
    enum Gradient: String, CaseIterable {
        case zero, rankOne, tiny, illConditioned
    }

    @Test(arguments: OptimizerKind.allCases, Gradient.allCases)
    func parametersStayFinite(optimizer name: OptimizerKind, gradient kind: Gradient) throws {
        let config = ModelConfig(name: "r", width: 24, layers: 1, heads: 6, kvHeads: 2)
        let layout = ParameterLayout(config: config)
        // Refresh every other step so failures in the eigen/QR/root paths get many chances.
        var hyper = Hyper()
        if name == .shampoo || name == .soap { hyper["precondition_frequency"] = .number(2) }
        let optimizer = try name.make(layout: layout, hyper: hyper)
        let params = Tensor(shape: [layout.totalCount]), grads = Tensor(shape: [layout.totalCount])
        var rng = RNG(seed: 3)
        rng.fillGaussian(params.buffer, std: 0.02)
        for step in 0..<25 {
            fill(grads, layout: layout, kind: kind, rng: &rng)
            optimizer.step(parameters: params, gradients: grads, baseLR: 1e-2, factor: 1)
            #expect(Kernels.allFinite(params.data, count: params.count), "\(name) \(kind) step \(step + 1)")
        }
    }

    private func fill(_ g: Tensor, layout: ParameterLayout, kind: Gradient, rng: inout RNG) {
        switch kind {
        case .zero:
            g.zero()
        case .tiny:
            rng.fillGaussian(g.buffer, std: 1e-30)
        case .rankOne, .illConditioned:
            for p in layout.parameters {
                let rows = p.shape[0], cols = p.count / rows
                let u = (0..<rows).map { _ in Float(rng.nextGaussian()) }
                let v = (0..<cols).map { _ in Float(rng.nextGaussian()) }
                for r in 0..<rows {
                    // Ill-conditioned: full rank, but row scales span 12 orders of magnitude.
                    let scale: Float = kind == .illConditioned ? Float(Math.pow(10, Double(-12 * r / max(rows - 1, 1)))) : 1
                    for c in 0..<cols {
                        let noise: Float = kind == .illConditioned ? Float(rng.nextGaussian()) : 0
                        g[p.offset + r * cols + c] = scale * (u[r] * v[c] + noise)
                    }
                }
            }
        }
    }
}
