import Core
import Foundation
import Testing

@Suite("Scion")
struct ScionTests {
    /// Golden runs (Golden/optim/scion_*.json): float64 oracles checked against LIONS-EPFL
    /// scion.py and pytorch-optimizer SCION (NS in float64), 8 steps each: spectral and sign LMOs,
    /// constrained and unconstrained, no buffer (μ = 1), pytorch-optimizer's weight decay.
    ///
    /// Tolerance as for Muon (MuonTests): Float32 state and NS against float64, relative to the
    /// largest parameter entry. Sign runs only round (measured ≤ 1e-7); spectral runs add the
    /// Float32 NS error (~5e-7 on O(1) entries) times lr·scale·s ≤ 0.03·3·1.4 (measured ≤ 1.8e-7).
    /// 2e-6 leaves 10× for other BLAS kernels and is 10⁴× below every wrong setting tried in
    /// `goldenRunsRejectWrongSettings` (the usual momentum instead of Scion's 1 − momentum, no
    /// weight decay, the constraint off, the wrong LMO normalisation or scale: ≥ 2e-2).
    @Test func goldenRunsMatchTheReferences() throws {
        let runs = try OptimizerGolden.replayAll(prefix: "scion_")
        #expect(runs.count == 5)
        for (name, errors) in runs {
            #expect(errors.allSatisfy { $0 < 2e-6 }, "\(name): \(errors)")
        }
    }

    @Test func goldenRunsRejectWrongSettings() throws {
        let cases: [(String, String, HyperValue)] = [
            ("scion_8x4_spectral_unconstrained_wd", "momentum", .number(0.9)),
            ("scion_8x4_spectral_unconstrained_wd", "weight_decay", .number(0)),
            ("scion_8x4_spectral_unconstrained_wd", "normalized", .bool(false)),
            ("scion_6x6_spectral_constrained", "constrained", .bool(false)),
            ("scion_8x4_sign_constrained", "normalized", .bool(false)),
            ("scion_6x4_sign_unconstrained", "scale", .number(4)),
        ]
        for (file, key, value) in cases {
            let golden = try #require(try OptimizerGolden.all(prefix: file).first).golden
            var hyper = golden.hyper
            hyper[key] = value
            let wrong = OptimizerGolden(optimizer: golden.optimizer, hyper: hyper, param: golden.param,
                                        grads: golden.grads, params: golden.params, notes: nil)
            let worst = try wrong.replayErrors().max()!
            print("\(file) with \(key) = \(value): \(String(format: "%.1e", worst))")
            #expect(worst > 1e-3, "\(file) \(key)")
        }
    }

    /// The study's three groups (docs/optimizers.md §7.2): embedding/head sign(d)/C at a fixed lr 1, vectors
    /// plain momentum SGD at a fixed 3e-3, hidden spectral at the scheduled rate; μ = 0.1 for all,
    /// both fixed rates times the schedule factor. Two steps, so the EMA d = 0.9·d + 0.1·g shows.
    @Test func studyGroups() throws {
        let layout = RuleHarness.tinyLayout
        let opt = try OptimizerKind.scion.make(layout: layout)
        #expect(opt.name == "scion")
        #expect(opt.stateByteCount == 4 * layout.totalCount)  // one buffer "d" per tensor
        #expect(opt.namedStateTensors.first?.name == "optim.wte.d")
        var rng = RNG(seed: 31)
        let p = Tensor(shape: [layout.totalCount], values: RuleHarness.gaussian(layout.totalCount, &rng))
        let grads = (0..<2).map { _ in RuleHarness.gaussian(layout.totalCount, &rng) }
        let p0 = p.array
        let (baseLR, factor): (Float, Float) = (0.02, 0.5)
        for g in grads {
            opt.step(parameters: p, gradients: Tensor(shape: [layout.totalCount], values: g), baseLR: baseLR,
                     factor: factor)
        }
        let embedding = try #require(layout.info(named: "wte"))
        #expect(embedding.shape == [256, 12])
        for info in layout.parameters {
            let range = info.offset..<(info.offset + info.count)
            let before = Array(p0[range]), g1 = Array(grads[0][range]), g2 = Array(grads[1][range])
            let d1 = g1.map { 0.1 * $0 }
            let d2 = zip(d1, g2).map { 0.9 * $0 + 0.1 * $1 }
            let expected: [Float]
            switch info.role {
            case .embedding:
                // The head is Linear(C → V) with weight (V, C): d_in = C = 12, not V.
                let step = { (d: Float) -> Float in (d > 0 ? 1 : -1) * factor / 12 }
                expected = zip(before, zip(d1, d2)).map { $0 - step($1.0) - step($1.1) }
            case .vector:
                expected = zip(before, zip(d1, d2)).map { $0 - 3e-3 * factor * ($1.0 + $1.1) }
            case .hidden:
                expected = RuleHarness.run(Scion(momentum: 0.1, lmo: .spectral(normalized: true, max: false)),
                                           shape: info.shape, param: before, grads: [g1, g2], lr: baseLR * factor)[1]
            }
            #expect(RuleHarness.maxAbsDiff(RuleHarness.slice(p, info), expected) < 1e-6, "\(info.name)")
        }
    }

    /// Constrained: p·(1 − lr) and no weight decay; unconstrained: p·(1 − lr·wd). With a zero
    /// gradient the sign LMO is 0, so only the shrinking acts.
    @Test func constraintAndWeightDecay() {
        var rng = RNG(seed: 32)
        let p0 = RuleHarness.gaussian(12, &rng), zero = [Float](repeating: 0, count: 12)
        let lr: Float = 0.125
        for constrained in [false, true] {
            for lmo in [Scion.LMO.sign(normalized: true), .identity] {
                let rule = Scion(momentum: 0.5, lmo: lmo, scale: 3, constrained: constrained, weightDecay: 0.2)
                let p = RuleHarness.run(rule, shape: [3, 4], param: p0, grads: [zero], lr: lr)[0]
                let decay: Float = constrained ? 1 - lr : 1 - lr * 0.2
                #expect(p == p0.map { $0 * decay }, "constrained \(constrained) \(lmo)")
            }
        }
    }

    /// μ = 1 keeps no buffer and steps on the raw gradient; sign(0) = 0 leaves an entry alone;
    /// `normalized: false` drops the 1/d_in.
    @Test func noBufferAndSign() {
        #expect(Scion(momentum: 1, lmo: .identity).stateSlots(for: ParameterInfo(name: "g", role: .vector,
                                                                                 shape: [5], offset: 0)).isEmpty)
        let g: [Float] = [0.5, -2, 0, 1e-30, -1e-30, 3]
        let p0 = [Float](repeating: 1, count: 6)
        let normalized = RuleHarness.run(Scion(momentum: 1, lmo: .sign(normalized: true), scale: 2), shape: [2, 3],
                                         param: p0, grads: [g], lr: 0.25)[0]
        let sixth: Float = 0.5 / 3
        let expected: [Float] = [1 - sixth, 1 + sixth, 1, 1 - sixth, 1 + sixth, 1 - sixth]
        #expect(normalized == expected)
        let raw = RuleHarness.run(Scion(momentum: 1, lmo: .sign(normalized: false)), shape: [2, 3], param: p0,
                                  grads: [g], lr: 0.25)[0]
        #expect(raw == [0.75, 1.25, 1, 0.75, 1.25, 0.75])
        let sgd = RuleHarness.run(Scion(momentum: 1, lmo: .identity, scale: 2), shape: [6], param: p0, grads: [g],
                                  lr: 0.25)[0]
        #expect(sgd == zip(p0, g).map { $0 - 0.5 * $1 })
    }

    /// The spectral LMO's factor: sqrt(d_out/d_in) when normalized, sqrt(d_out) otherwise, and
    /// max(1, ·) with `max`.
    @Test func spectralScale() {
        var rng = RNG(seed: 33)
        for (rows, cols) in [(4, 8), (8, 4)] {
            let g = RuleHarness.gaussian(rows * cols, &rng)
            let o = RuleHarness.orthogonalize(g, rows: rows, cols: cols, Orthogonalization(epsilonMode: .clamp))
            for normalized in [true, false] {
                for useMax in [false, true] {
                    var s = normalized ? (Double(rows) / Double(cols)).squareRoot() : Double(rows).squareRoot()
                    if useMax { s = max(1, s) }
                    let rule = Scion(momentum: 1, lmo: .spectral(normalized: normalized, max: useMax), scale: 1.5)
                    let p = RuleHarness.run(rule, shape: [rows, cols], param: [Float](repeating: 0, count: g.count),
                                            grads: [g], lr: 0.5)[0]
                    let expected = o.map { -0.5 * 1.5 * Float(s) * $0 }
                    #expect(RuleHarness.maxAbsDiff(p, expected) < 1e-6, "\(rows)×\(cols) \(normalized) \(useMax)")
                }
            }
        }
    }

    /// Updates spread over threads (one workspace per tensor) give the serial result bit for bit.
    @Test func threadedUpdatesMatchSerial() throws {
        try RuleHarness.checkThreadedMatchesSerial(.scion)
    }

    @Test func hyperparameters() throws {
        let scion = try Scion(hyper: Hyper())
        #expect(scion.momentum == 0.1 && scion.scale == 1 && !scion.constrained && scion.weightDecay == 0)
        #expect(scion.lmo == .spectral(normalized: true, max: false))
        #expect(scion.orthogonalization == Orthogonalization(epsilonMode: .clamp))
        let sign = try Scion(hyper: Hyper(["norm": .string("sign"), "normalized": .bool(false),
                                           "ns_eps_mode": .string("add"), "constrained": .bool(true)]))
        #expect(sign.lmo == .sign(normalized: false) && sign.constrained)
        #expect(sign.orthogonalization.epsilonMode == .add)
        #expect(try Scion(hyper: Hyper(["max": .bool(true)])).lmo == .spectral(normalized: true, max: true))
        let layout = RuleHarness.tinyLayout
        for bad: [String: HyperValue] in [
            ["nesterov": .bool(true)], ["norm": .string("colnorm")], ["scale": .number(0)],
            ["momentum": .number(0)], ["momentum": .number(1.5)], ["constrained": .string("yes")],
            ["ns_eps_mode": .string("none")],
        ] {
            #expect(throws: QScopeError.self, "\(bad)") { try OptimizerKind.scion.make(layout: layout, hyper: Hyper(bad)) }
        }
    }
}
