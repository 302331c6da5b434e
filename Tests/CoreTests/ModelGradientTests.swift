import Core
import Foundation
import Testing

/// The whole model: loss and every gradient against PyTorch (float64 autograd) and against
/// finite differences of our own loss.
@Suite("Model gradients")
struct ModelGradientTests {
    struct Golden: Decodable {
        struct Config: Decodable {
            let vocab, width, layers, heads, kv_heads, batch, seq: Int
            let rope_base, norm_eps: Double
        }
        struct Param: Decodable { let shape: [Int]; let data: [Double] }
        let config: Config
        let tokens: [Int32]
        let targets: [Int32]
        let params: [String: Param]
        let loss: Double
        let grads: [String: [Double]]
        let logits_first: [Double]
    }

    static func loadGolden() throws -> Golden {
        let url = try #require(Bundle.module.url(forResource: "Golden/model_small", withExtension: "json"))
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }

    /// Our fp32 model against PyTorch's float64 reference (scripts/golden/model_golden.py). fp32
    /// rounding through two blocks leaves ~1e-6 relative error; 1e-4 would still catch any
    /// missing term, whose effect on these O(1)-scaled weights is O(1).
    @Test func matchesPyTorchReference() throws {
        let golden = try Self.loadGolden()
        let g = golden.config
        let config = ModelConfig(name: "golden", vocab: g.vocab, width: g.width, layers: g.layers,
                                 heads: g.heads, kvHeads: g.kv_heads, ropeBase: Float(g.rope_base),
                                 normEps: Float(g.norm_eps))
        let model = try Transformer(config: config, batch: g.batch, seq: g.seq)
        for p in model.layout.parameters {
            let ref = try #require(golden.params[p.name], "golden file lacks \(p.name)")
            #expect(ref.shape == p.shape, "\(p.name) shape")
            for (i, value) in ref.data.enumerated() { model.parameters[p.offset + i] = Float(value) }
        }
        for i in 0..<golden.tokens.count {
            model.tokens[i] = golden.tokens[i]
            model.targets[i] = golden.targets[i]
        }
        let loss = model.forward()
        print("loss: ours \(loss) PyTorch \(golden.loss)")
        #expect(abs(loss - golden.loss) / golden.loss < 1e-5)
        model.backward()
        for p in model.layout.parameters {
            let ours = (0..<p.count).map { Double(model.gradients[p.offset + $0]) }
            let ref = try #require(golden.grads[p.name])
            GradientCheck.report(p.name, analytic: ours, numeric: ref)
            #expect(GradientCheck.relativeError(ours, ref) < 1e-4, "\(p.name)")
        }
    }

    /// Finite differences of the full model on a few entries of every parameter tensor. fp32
    /// losses of ~5 with eps 1e-2 leave ~1e-3 relative noise; a wrong sign or a dropped term
    /// gives errors of order 1.
    @Test func matchesFiniteDifferences() throws {
        let config = ModelConfig(name: "fd", width: 24, layers: 2, heads: 6, kvHeads: 2)
        let model = try Transformer(config: config, batch: 2, seq: 8)
        var rng = RNG(seed: 7)
        GradientCheck.randomize(model, rng: &rng)
        model.forward()
        model.backward()
        for p in model.layout.parameters {
            let picks = (0..<min(6, p.count)).map { _ in p.offset + rng.nextInt(below: p.count) }
            let analytic = picks.map { Double(model.gradients[$0]) }
            let numeric = picks.map {
                GradientCheck.centralDifference(model.parameters.data, index: $0, eps: 1e-2) { model.forward() }
            }
            GradientCheck.report(p.name, analytic: analytic, numeric: numeric)
            #expect(GradientCheck.relativeError(analytic, numeric, floor: 1e-4) < 2e-2, "\(p.name)")
        }
    }
}
