import Core
import Foundation
import Testing

@Suite("PSGD Kron")
struct PSGDTests {
    /// kron_torch 0.3.3 and pytorch-optimizer 4.1.0 `Kron` in float64, with the noise, update and
    /// balance steps they drew recorded in the file (scripts/golden/optim_golden.py). Our Float32
    /// replay sees the same noise and lands ≤ 2e-7 from them (the shipped fp32 kron_torch is
    /// 1.4–3.9e-7 away). The bound 1e-6 is tight enough to see kron_torch's noise in m̂, the
    /// smallest of the variant differences (≥ 3e-6, checked below).
    @Test func goldenRunsMatchTheReferences() throws {
        let goldens = try OptimizerGolden.all(prefix: "psgd_")
        #expect(goldens.count == 7)
        let variants = goldens.compactMap { g -> String? in
            if case .string(let v)? = g.golden.hyper["variant"] { return v }
            return nil
        }
        #expect(Set(variants) == ["kron_torch", "pytorch_optimizer"])
        for (name, errors) in try OptimizerGolden.replayAll(prefix: "psgd_") {
            #expect(errors.allSatisfy { $0 < 1e-6 }, "\(name)")
        }
    }

    /// The golden tolerance separates the variants: kron_torch's runs replayed without the noise
    /// it adds to m̂ (pytorch-optimizer's behaviour) miss by more than it.
    @Test func goldenToleranceSeesTheNoiseInTheMomentum() throws {
        for (name, golden) in try OptimizerGolden.all(prefix: "psgd_") where golden.hyper["variant"] == .string("kron_torch") {
            var hyper = golden.hyper
            hyper["noise_eps"] = .number(0)
            let ours = try OptimizerReplay(optimizer: .psgd, hyper: hyper, param: golden.param, grads: golden.grads).run()
            let miss = zip(ours, golden.params).map { relativeError($0, $1) }.max()!
            #expect(miss > 2e-6, "\(name): \(miss)")
        }
    }

    @Test func defaultsFollowTheStudysPytorchOptimizerKron() throws {
        let rule = try PSGDKron(hyper: Hyper())
        #expect(rule.variant == .pytorchOptimizer)
        #expect(rule.noiseEps == nil)
        #expect(rule.clipEps == 1e-6 && rule.clipRMS == 1.1)
        #expect(rule.momentum == 0.9 && rule.weightDecay == 0 && rule.precondLR == 0.1 && rule.precondInitScale == 1)
        #expect(rule.maxSizeTriangular == 8192 && rule.minNdimTriangular == 2 && rule.balanceProb == 0.01)
        #expect(rule.updateProbability == .reference)
        let kron = try PSGDKron(hyper: Hyper(["variant": .string("kron_torch")]))
        #expect(kron.noiseEps == Double(Float.ulpOfOne) && kron.clipEps == 1e-12)
    }

    /// 2-D parameters get two triangular factors, 1-D ones a diagonal, and a side above
    /// max_size_triangular (or of size 1) a diagonal.
    @Test func factorShapes() throws {
        func slots(_ shape: [Int], _ hyper: Hyper = Hyper()) throws -> [String: [Int]] {
            let info = ParameterInfo(name: "w", role: .hidden, shape: shape, offset: 0)
            return Dictionary(uniqueKeysWithValues: try PSGDKron(hyper: hyper).stateSlots(for: info).map { ($0.name, $0.shape) })
        }
        #expect(try slots([6, 4]) == ["momentum_buffer": [6, 4], "Q0": [6, 6], "Q1": [4, 4]])
        #expect(try slots([5]) == ["momentum_buffer": [5], "Q0": [5]])
        #expect(try slots([8, 4], Hyper(["max_size_triangular": .number(4)])) == ["momentum_buffer": [8, 4], "Q0": [8], "Q1": [4, 4]])
        #expect(try slots([1, 7]) == ["momentum_buffer": [1, 7], "Q0": [1], "Q1": [7, 7]])
        #expect(try slots([5], Hyper(["min_ndim_triangular": .number(1)])) == ["momentum_buffer": [5], "Q0": [5, 5]])
        // kron_torch merges a 2×3×4 tensor to [6, 4] (the smaller signed difference).
        #expect(try slots([2, 3, 4]) == ["momentum_buffer": [2, 3, 4], "Q0": [6, 6], "Q1": [4, 4]])
    }

    /// The references' deterministic counter: every step while prob = 1 (through step 501, where
    /// exp(−0.001·(n − 500)) first drops below 1), then every ⌈1/prob⌉ steps, every 34th at the
    /// 0.03 floor; a constant 0.5 updates on even steps.
    @Test func updateScheduleIsTheReferenceCounter() {
        let steps = PSGDKron.UpdateProbability.reference.updateSteps(through: 10_000)
        #expect(Array(steps.prefix(501)) == Array(1...501))
        #expect(!steps.contains(502) && steps.contains(503))
        let gaps = zip(steps.dropFirst(), steps).map { $0 - $1 }
        #expect(zip(gaps.dropFirst(), gaps).allSatisfy { $0 >= $1 - 1 })
        #expect(gaps.suffix(50).allSatisfy { $0 == 34 })
        #expect(PSGDKron.UpdateProbability.constant(0.5).updateSteps(through: 8) == [2, 4, 6, 8])
        #expect(PSGDKron.UpdateProbability.constant(1).updateSteps(through: 3) == [1, 2, 3])
    }

    /// With the preconditioner never updated, Q stays I and the step is lr·g clipped to RMS 1.1.
    @Test func identityPreconditionerGivesTheClippedMomentum() throws {
        for variant in ["pytorch_optimizer", "kron_torch"] {
            let hyper = Hyper(["variant": .string(variant), "precond_update_steps": .list([]), "lr": .number(0.1)])
            let param: [[Double]] = [[1, 2, 3], [4, 5, 6]]
            let small: [[Double]] = [[0.5, -0.5, 0.25], [0, 1, -1]]   // RMS ≈ 0.64: not clipped
            let large = small.map { $0.map { $0 * 10 } }               // RMS ≈ 6.4: clipped to 1.1
            for grad in [small, large] {
                let out = try OptimizerReplay(optimizer: .psgd, hyper: hyper, param: param, grads: [grad]).run()[0]
                let g = grad.joined()
                let rms = (g.map { $0 * $0 }.reduce(0, +) / Double(g.count)).squareRoot()
                let clip = min(1, 1.1 / rms)
                let expected = zip(param.joined(), g).map { $0 - 0.1 * clip * $1 }
                #expect(maxAbsDiff(Array(out.joined()), expected) < 1e-6, "\(variant)")
            }
        }
    }

    /// Weight decay is added to the direction of 2-D (and larger) parameters only:
    /// p ← p·(1 − lr·wd) with a zero gradient, and 1-D parameters do not move.
    @Test func weightDecayOnMatricesOnly() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [3, 2]), (name: "b", role: .vector, shape: [4])])
        let opt = try OptimizerKind.psgd.make(layout: layout, hyper: Hyper(["weight_decay": .number(0.5)]))
        let p = Tensor(shape: [layout.totalCount], values: (0..<layout.totalCount).map { Float($0) + 1 })
        let before = p.array
        opt.step(parameters: p, gradients: Tensor(shape: [layout.totalCount]), baseLR: 0.1, factor: 1)
        #expect(maxAbsDiff(p.array.prefix(6).map(Double.init), before.prefix(6).map { Double($0) * 0.95 }) < 1e-6)
        #expect(Array(p.array.suffix(4)) == Array(before.suffix(4)))
    }

    /// Balancing rescales Q_L by c and Q_R by 1/c, which leaves P and the fit unchanged: a run
    /// balancing at every step ends where one that never balances does (to rounding).
    @Test func balancingLeavesTheDirectionUnchanged() throws {
        let (param, grads) = randomRun(rows: 5, cols: 3, steps: 12, seed: 7)
        var ends: [[Double]] = []
        for steps in [[], Array(1...12)] {
            let hyper = Hyper(["balance_steps": .list(steps.map { .number(Double($0)) }), "lr": .number(0.05)])
            ends.append(Array(try OptimizerReplay(optimizer: .psgd, hyper: hyper, param: param, grads: grads).run().last!.joined()))
        }
        #expect(maxAbsDiff(ends[0], ends[1]) < 1e-5)
        #expect(maxAbsDiff(ends[0], Array(param.joined())) > 0.1)
    }

    /// Noise and balance coins come from seeded streams keyed by step and tensor: the same seed
    /// gives the same run, another seed another one.
    @Test func seededNoiseIsReproducible() throws {
        let (param, grads) = randomRun(rows: 4, cols: 6, steps: 6, seed: 3)
        func run(_ seed: Int) throws -> [Double] {
            let hyper = Hyper(["seed": .number(Double(seed)), "variant": .string("kron_torch"), "lr": .number(0.05)])
            return Array(try OptimizerReplay(optimizer: .psgd, hyper: hyper, param: param, grads: grads).run().last!.joined())
        }
        let a = try run(1), b = try run(1), c = try run(2)
        #expect(a == b)
        #expect(a != c)
    }

    /// A run saved and resumed mid-way (state tensors and step count only, as a checkpoint does)
    /// continues bit for bit: the update counter, noise and balance coin are functions of the step.
    @Test func resumeIsExact() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [6, 4]),
                                               (name: "e", role: .embedding, shape: [3, 5]),
                                               (name: "g", role: .vector, shape: [4])])
        let hyper = Hyper(["variant": .string("kron_torch"), "precond_update_probability": .number(0.4),
                           "balance_prob": .number(0.5), "weight_decay": .number(0.1)])
        let n = layout.totalCount
        var rng = RNG(seed: 11)
        let grads = (0..<20).map { _ in (0..<n).map { _ in Float(rng.nextGaussian()) } }
        let start = (0..<n).map { _ in Float(rng.nextGaussian()) }

        let straight = try OptimizerKind.psgd.make(layout: layout, hyper: hyper)
        let p1 = Tensor(shape: [n], values: start)
        for g in grads { straight.step(parameters: p1, gradients: Tensor(shape: [n], values: g), baseLR: 0.02, factor: 1) }

        let first = try OptimizerKind.psgd.make(layout: layout, hyper: hyper)
        let p2 = Tensor(shape: [n], values: start)
        for g in grads.prefix(9) { first.step(parameters: p2, gradients: Tensor(shape: [n], values: g), baseLR: 0.02, factor: 1) }
        let resumed = try OptimizerKind.psgd.make(layout: layout, hyper: hyper)
        for (a, b) in zip(resumed.namedStateTensors, first.namedStateTensors) {
            #expect(a.name == b.name)
            a.tensor.copy(from: b.tensor)
        }
        resumed.setStepCount(9)
        for g in grads.dropFirst(9) { resumed.step(parameters: p2, gradients: Tensor(shape: [n], values: g), baseLR: 0.02, factor: 1) }
        #expect(p1.array == p2.array)
    }

    /// Spreading tensors over threads changes nothing (each update owns its scratch).
    @Test func threadsDoNotChangeTheResult() throws {
        let config = ModelConfig(name: "t", width: 12, layers: 2, heads: 6, kvHeads: 2)
        let layout = ParameterLayout(config: config)
        var rng = RNG(seed: 5)
        let n = layout.totalCount
        let grads = (0..<4).map { _ in Tensor(shape: [n], values: (0..<n).map { _ in Float(rng.nextGaussian()) }) }
        var results: [[Float]] = []
        for threads in [1, 3] {
            let opt = try OptimizerKind.psgd.make(layout: layout)
            opt.threads = threads
            let p = Tensor(shape: [n])
            for g in grads { opt.step(parameters: p, gradients: g, baseLR: 0.01, factor: 1) }
            #expect(p.array.allSatisfy { $0.isFinite })
            results.append(p.array)
        }
        #expect(results[0] == results[1])
        // State: momentum per parameter, a square per side of each matrix, a vector per 1-D tensor.
        let opt = try OptimizerKind.psgd.make(layout: layout)
        let expected = layout.parameters.reduce(0) { total, info in
            total + info.count + (info.shape.count == 2 ? info.shape[0] * info.shape[0] + info.shape[1] * info.shape[1] : info.count)
        }
        #expect(opt.stateByteCount == 4 * expected)
    }

    /// On an ill-conditioned quadratic ½‖L(W − W*)R‖² (Hessian condition number ≈ 3e6) the
    /// preconditioner learns the curvature: PSGD ends orders of magnitude below the same steps
    /// with the preconditioner frozen at I (clipped momentum SGD).
    @Test func learnsAnIllConditionedQuadratic() throws {
        let rows = 6, cols = 4, steps = 1500
        let l: [Double] = [1, 0.5, 0.2, 0.1, 0.05, 0.02], r: [Double] = [1, 0.3, 0.1, 0.03]
        var rng = RNG(seed: 9)
        let target = (0..<(rows * cols)).map { _ in rng.nextGaussian() }
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [rows, cols])])
        func finalLoss(_ hyper: Hyper) throws -> (final: Double, initial: Double) {
            let opt = try OptimizerKind.psgd.make(layout: layout, hyper: hyper)
            let p = Tensor(shape: [rows * cols]), g = Tensor(shape: [rows * cols])
            func loss() -> Double {
                (0..<(rows * cols)).reduce(0) { s, k in
                    let e = l[k / cols] * (Double(p[k]) - target[k]) * r[k % cols]
                    return s + 0.5 * e * e
                }
            }
            let initial = loss()
            for _ in 0..<steps {
                for k in 0..<(rows * cols) {
                    let li = l[k / cols], rj = r[k % cols]
                    g[k] = Float(li * li * (Double(p[k]) - target[k]) * rj * rj)
                }
                opt.step(parameters: p, gradients: g, baseLR: 0.02, factor: 1)
            }
            return (loss(), initial)
        }
        let psgd = try finalLoss(Hyper(["momentum": .number(0.5)]))
        let frozen = try finalLoss(Hyper(["momentum": .number(0.5), "precond_update_steps": .list([])]))
        #expect(psgd.final < 1e-3 * psgd.initial, "PSGD loss \(psgd.final) from \(psgd.initial)")
        #expect(psgd.final < 1e-2 * frozen.final, "PSGD \(psgd.final), frozen I \(frozen.final)")
    }

    @Test func rejectsUnknownOrUnsupportedHyperparameters() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [2, 2])])
        for bad: [String: HyperValue] in [["betas": .list([.number(0.9), .number(0.99)])],
                                          ["memory_save_mode": .string("one_diag")],
                                          ["variant": .string("heavyball")],
                                          ["precond_update_probability": .number(0)],
                                          ["momentum": .number(1)]] {
            #expect(throws: QScopeError.self) { try OptimizerKind.psgd.make(layout: layout, hyper: Hyper(bad)) }
        }
        _ = try OptimizerKind.psgd.make(layout: layout, hyper: Hyper(["memory_save_mode": .null, "noise_eps": .null]))
    }
}

private func relativeError(_ mine: [[Double]], _ ref: [[Double]]) -> Double {
    let a = mine.joined(), b = ref.joined()
    let scale = max(b.map(abs).max() ?? 1, 1e-12)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}

private func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// A random parameter and gradients of one shape.
private func randomRun(rows: Int, cols: Int, steps: Int, seed: UInt64) -> ([[Double]], [[[Double]]]) {
    var rng = RNG(seed: seed)
    func matrix() -> [[Double]] { (0..<rows).map { _ in (0..<cols).map { _ in rng.nextGaussian() } } }
    let param = matrix()
    return (param, (0..<steps).map { _ in matrix() })
}
