@testable import Core
import Foundation
import Testing

/// Shampoo, both variants: the golden runs (Distributed Shampoo from its verified fp64 oracle,
/// Gupta 2018 from pytorch-optimizer), the paths the goldens do not reach (vectors, blocking,
/// the grafted-Adam phase, failed roots), the study's model layout, and checkpoint continuity.
@Suite("Shampoo")
struct ShampooTests {
    typealias Support = KroneckerTestSupport

    /// Float32 state and parameters against float64 goldens, relative to the largest parameter
    /// entry. The clean runs come out at ≤ 1.5e-7 (the update per step is ~1e-2 of the
    /// parameters, so this is ~1e-5 of the update; a wrong bias correction, ε placement or
    /// grafting norm is ≥ 1e-4). The pathological run (zero and rank-1 gradients, roots every
    /// step) is at 2.6e-6: Float32 rounding in the factors' null spaces is amplified by
    /// ε^(−1/2) = 1e4, as in the reference's own fp32 run (3e-5 away, per the file's notes).
    @Test(arguments: [
        ("shampoo_4x8_adagrad_nograft_wd.json", 1e-6),
        ("shampoo_6x6_adam_graft.json", 1e-6),
        ("shampoo_8x4_adam_graft_wd.json", 1e-6),
        ("shampoo_gupta_4x6_l2.json", 1e-6),
        ("shampoo_gupta_5x5.json", 1e-6),
        ("shampoo_pathological_5x5.json", 2e-5),
    ])
    func goldenReplayMatches(file: String, tolerance: Double) throws {
        let golden = try #require(try OptimizerGolden.all(prefix: "shampoo_").first { $0.name == file }?.golden)
        let errors = try golden.replayErrors()
        print("\(file): max relative error per step \(errors.map { String(format: "%.1e", $0) })")
        #expect(errors.count == golden.params.count)
        #expect(errors.allSatisfy { $0 < tolerance }, "\(file): \(errors)")
    }

    @Test func everyGoldenIsCovered() throws {
        #expect(try OptimizerGolden.all(prefix: "shampoo_").count == 6)
    }

    /// A vector gets its full n×n statistic with exponent −1/2, against a Float64 oracle of
    /// docs/optimizers.md §5.1 for order 1. (This path was also checked against facebookresearch DistributedShampoo
    /// itself, fp64 factors: 3.5e-7.) Roots start at step 6, when the 6×6 factor has full rank:
    /// on a rank-deficient factor, ε^(−1/2) amplifies Float32 rounding in the null space and
    /// the reference's own fp32 run is 6e-3 from its fp64 run.
    @Test func vectorsGetAFullMatrixPreconditioner() throws {
        let n = 6, steps = 10
        var rng = RNG(seed: 11)
        let param = (0..<n).map { _ in rng.nextGaussian() }
        let grads = (0..<steps).map { k in (0..<n).map { _ in rng.nextGaussian() * Support.scales[k % 12] } }
        let hyper = Hyper([
            "lr": .number(0.015625), "betas": .list([.number(0.9), .number(0.95)]), "eps": .number(1e-8),
            "weight_decay": .number(0.01), "precondition_frequency": .number(3), "start_preconditioning_step": .number(6),
        ])
        let ours = try Support.run(.shampoo, hyper: hyper, shape: [n], role: .vector, param: param, grads: grads)
        let oracle = Support.distributedVectorOracle(param: param, grads: grads, lr: 0.015625, beta1: 0.9, beta2: 0.95,
                                                     eps: 1e-8, weightDecay: 0.01, frequency: 3, start: 6)
        for (step, (a, b)) in zip(ours, oracle).enumerated() {
            let err = Support.relativeError(a, b)
            #expect(err < 2e-6, "step \(step + 1): \(err)")
        }
    }

    /// Dimensions above max_preconditioner_dim are cut into blocks with their own factors and
    /// grafting ratio, so a blocked run equals independent runs on each block. (The blocking was
    /// also checked against DistributedShampoo on a 6×5 matrix and a 7-vector with blocks of 4
    /// and 3: 8e-8.)
    @Test func blocksAreIndependentShampoos() throws {
        var rng = RNG(seed: 12)
        for (shape, role) in [([7, 5], ParameterRole.hidden), ([7], .vector)] {
            let rows = shape[0], cols = shape.count == 2 ? shape[1] : 1, steps = 6
            let param = (0..<(rows * cols)).map { _ in rng.nextGaussian() }
            let grads = (0..<steps).map { _ in (0..<(rows * cols)).map { _ in rng.nextGaussian() } }
            var hyper = Hyper(["lr": .number(0.01), "precondition_frequency": .number(2), "weight_decay": .number(0.1)])
            let whole = try Support.run(.shampoo, hyper: Hyper(hyper.values.merging(["max_preconditioner_dim": .number(3)]) { $1 }),
                                        shape: shape, role: role, param: param, grads: grads).last!
            hyper["max_preconditioner_dim"] = .number(100)
            var blocked = [Double](repeating: .nan, count: rows * cols)
            for r0 in stride(from: 0, to: rows, by: 3) {
                for c0 in stride(from: 0, to: cols, by: 3) {
                    let r = min(3, rows - r0), c = min(3, cols - c0)
                    func cut(_ x: [Double]) -> [Double] { (0..<r).flatMap { i in (0..<c).map { x[(r0 + i) * cols + c0 + $0] } } }
                    let blockShape = shape.count == 2 ? [r, c] : [r]
                    let out = try Support.run(.shampoo, hyper: hyper, shape: blockShape, role: role,
                                              param: cut(param), grads: grads.map(cut)).last!
                    for i in 0..<r { for j in 0..<c { blocked[(r0 + i) * cols + c0 + j] = out[i * c + j] } }
                }
            }
            let err = Support.relativeError(whole, blocked)
            print("blocked \(shape) vs independent blocks: \(String(format: "%.1e", err))")
            #expect(err < 1e-6, "\(shape): \(err)")
        }
    }

    /// Before start_preconditioning_step with Adam grafting the step is plain Adam with
    /// decoupled decay, the same maths as AdamW.
    @Test func beforeTheStartStepItIsAdamW() throws {
        let shape = [5, 4], count = 20
        let info = ParameterInfo(name: "w", role: .hidden, shape: shape, offset: 0)
        let shampoo = Shampoo(beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1, preconditionFrequency: 50)
        let adam = AdamW(beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1)
        let s1 = TensorState(slots: shampoo.stateSlots(for: info)), s2 = TensorState(slots: adam.stateSlots(for: info))
        var rng = RNG(seed: 13)
        let p1 = GradientCheck.randomTensor(shape, std: 1, rng: &rng), p2 = Tensor(shape: shape)
        p2.copy(from: p1)
        for k in 0..<8 {
            let g = GradientCheck.randomTensor(shape, std: Float(Support.scales[k]), rng: &rng)
            s1.step += 1
            s2.step += 1
            let gb = UnsafeBufferPointer(g.buffer)
            shampoo.update(parameter: p1.buffer, gradient: gb, info: info, state: s1, lr: 0.01)
            adam.update(parameter: p2.buffer, gradient: gb, info: info, state: s2, lr: 0.01)
        }
        let diff = (0..<count).map { abs(p1[$0] - p2[$0]) }.max()!
        #expect(diff < 1e-6, "\(diff)")
    }

    /// The study's layout: every parameter goes to Shampoo, the 256×C embedding gets both
    /// factors, vectors one full n×n factor; the first roots (step 20) are finite and not the
    /// identity.
    @Test func studyLayoutAndDefaults() throws {
        let layout = ParameterLayout(config: try ModelConfig.named("tiny"))
        let opt = try OptimizerKind.shampoo.make(layout: layout)
        for (info, state) in zip(layout.parameters, opt.states) {
            let shapes = Dictionary(uniqueKeysWithValues: zip(state.slots.map(\.name), state.slots.map(\.shape)))
            let n0 = info.shape[0]
            #expect(shapes["L"] == [n0, n0] && shapes["L_inv"] == [n0, n0], "\(info.name)")
            if info.shape.count == 2 {
                #expect(shapes["R"] == [info.shape[1], info.shape[1]], "\(info.name)")
            } else {
                #expect(shapes["R"] == nil, "\(info.name)")
            }
            #expect(shapes["filtered_grad"] == info.shape && shapes["graft_exp_avg_sq"] == info.shape)
        }
        #expect(layout.info(named: "wte")!.shape == [256, 48])
        var rng = RNG(seed: 14)
        let params = GradientCheck.randomTensor([layout.totalCount], std: 0.02, rng: &rng)
        for _ in 0..<21 {
            let grads = GradientCheck.randomTensor([layout.totalCount], std: 0.01, rng: &rng)
            opt.step(parameters: params, gradients: grads, baseLR: 3e-3, factor: 1)
        }
        #expect(Kernels.allFinite(params.data, count: params.count))
        for (name, tensor) in opt.namedStateTensors where name.hasSuffix("_inv") {
            let n = tensor.shape[0]
            #expect(Kernels.allFinite(tensor.data, count: tensor.count), "\(name)")
            let offDiagonal = (0..<tensor.count).contains { $0 % (n + 1) != 0 && tensor[$0] != 0 }
            #expect(offDiagonal || n == 1, "\(name) is still the identity after step 20")
        }
    }

    /// A root whose recomputation fails (here: NaN statistics) keeps its last good value.
    @Test func aFailedRootKeepsTheLastGoodOne() throws {
        let shape = [4, 3]
        let info = ParameterInfo(name: "w", role: .hidden, shape: shape, offset: 0)
        let rule = Shampoo(preconditionFrequency: 1)
        let state = TensorState(slots: rule.stateSlots(for: info))
        var rng = RNG(seed: 15)
        let p = GradientCheck.randomTensor(shape, std: 1, rng: &rng)
        for _ in 0..<3 {
            let g = GradientCheck.randomTensor(shape, std: 1, rng: &rng)
            state.step += 1
            rule.update(parameter: p.buffer, gradient: UnsafeBufferPointer(g.buffer), info: info, state: state, lr: 0.01)
        }
        #expect(rule.failedRootComputations == 0)
        let left = state["L_inv"].array, right = state["R_inv"].array
        let bad = Tensor(shape: shape, values: [Float](repeating: .nan, count: 12))
        state.step += 1
        rule.update(parameter: p.buffer, gradient: UnsafeBufferPointer(bad.buffer), info: info, state: state, lr: 0.01)
        #expect(rule.failedRootComputations == 2)
        #expect(state["L_inv"].array == left && state["R_inv"].array == right)
    }

    /// Gupta 2018: inverse roots start at zero, so with precondition_frequency 3 the first two
    /// steps leave W where it was; the third moves it.
    @Test func guptaRootsStartAtZero() throws {
        let hyper = Hyper(["variant": .string("gupta2018"), "lr": .number(0.1), "precondition_frequency": .number(3)])
        var rng = RNG(seed: 16)
        let param = (0..<12).map { _ in rng.nextGaussian() }
        let grads = (0..<3).map { _ in (0..<12).map { _ in rng.nextGaussian() } }
        let out = try Support.run(.shampoo, hyper: hyper, shape: [3, 4], role: .hidden, param: param, grads: grads)
        let start = param.map { Double(Float($0)) }
        #expect(out[0] == start && out[1] == start)
        #expect(Support.relativeError(out[2], start) > 1e-3)
    }

    @Test func hyperparametersAreChecked() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [4, 4])])
        func rejects(_ values: [String: HyperValue], _ fragment: String) {
            do {
                _ = try OptimizerKind.shampoo.make(layout: layout, hyper: Hyper(values))
                Issue.record("accepted \(values)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
        rejects(["shampoo_beta": .number(0.9)], "shampoo_beta")
        rejects(["variant": .string("scalable")], "variant")
        rejects(["grafting": .string("sgd")], "grafting")
        rejects(["precondition_frequency": .number(10), "start_preconditioning_step": .number(5)], "start_preconditioning_step")
        rejects(["betas": .list([.number(1), .number(0.9)])], "betas")
        rejects(["eps": .number(0)], "eps")
        rejects(["variant": .string("gupta2018"), "betas": .list([.number(0.9), .number(0.95)])], "betas")
        rejects(["variant": .string("gupta2018"), "momentum": .number(1)], "momentum")
        let ok = try OptimizerKind.shampoo.make(layout: layout, hyper: Hyper([
            "variant": .string("distributed"), "betas": .list([.number(0.9), .number(1)]), "grafting": .string("none"),
            "weight_decay_type": .string("l2"), "beta3": .number(-1), "inverse_root_exponent": .number(0.5),
            "use_bias_correction": .bool(false), "start_preconditioning_step": .number(-1),
        ]))
        #expect(ok.name == "shampoo")
        _ = try OptimizerKind.shampoo.make(layout: layout, hyper: Hyper([
            "variant": .string("gupta2018"), "matrix_eps": .number(1e-4), "weight_decay_type": .string("decoupled"),
        ]))
    }

    /// State restored into a fresh optimizer (as a checkpoint resume does) continues the run bit
    /// for bit, across root recomputations.
    @Test(arguments: ["distributed", "gupta2018"])
    func resumeContinuesExactly(variant: String) throws {
        let hyper = Hyper(["variant": .string(variant), "precondition_frequency": .number(3), "lr": .number(0.01)]
            .merging(variant == "gupta2018" ? ["momentum": .number(0.3)] : ["weight_decay": .number(0.1)]) { $1 })
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [6, 4]), (name: "emb", role: .embedding, shape: [5, 4]),
                                               (name: "g", role: .vector, shape: [4])])
        for split in [2, 3, 5] {
            #expect(try Support.resumeGap(.shampoo, hyper: hyper, layout: layout, steps: 9, split: split) == 0, "split \(split)")
        }
    }

    /// Updates spread over threads (as the trainer runs them) give the same parameters, through
    /// a root recomputation.
    @Test func threadsDoNotChangeTheResult() throws {
        let hyper = Hyper(["precondition_frequency": .number(2)])
        #expect(try Support.threadGap(.shampoo, hyper: hyper, threads: 3, steps: 5) == 0)
    }
}

/// Helpers shared by the Shampoo and SOAP tests.
enum KroneckerTestSupport {
    /// The goldens' per-step gradient scales.
    static let scales: [Double] = [1.0, 0.3, 2.0, 0.05, 1.5, 0.7, 4.0, 0.1, 1.0, 0.5, 3.0, 0.2]

    /// Max |a − b| relative to max |b|.
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max()! / max(b.map(abs).max()!, 1e-12)
    }

    /// Runs optimizer `name` on one parameter and returns it after each step.
    static func run(_ name: OptimizerKind, hyper: Hyper, shape: [Int], role: ParameterRole, param: [Double],
                    grads: [[Double]]) throws -> [[Double]] {
        let layout = ParameterLayout(tensors: [(name: "p", role: role, shape: shape)])
        let opt = try name.make(layout: layout, hyper: hyper)
        let lr = try hyper.float("lr", default: name.referenceLearningRate)
        let p = Tensor(shape: shape, values: param.map(Float.init)), g = Tensor(shape: shape)
        return grads.map { grad in
            for (i, v) in grad.enumerated() { g[i] = Float(v) }
            opt.step(parameters: p, gradients: g, baseLR: lr, factor: 1)
            return p.array.map(Double.init)
        }
    }

    /// Trains `layout` for `steps` on seeded random gradients twice: straight through, and
    /// stopping after `split` steps to copy every state tensor and the step count into a freshly
    /// built optimizer. Returns the largest parameter difference at the end.
    static func resumeGap(_ name: OptimizerKind, hyper: Hyper, layout: ParameterLayout, steps: Int, split: Int) throws -> Float {
        var rng = RNG(seed: 21)
        let start = GradientCheck.randomTensor([layout.totalCount], std: 1, rng: &rng)
        let grads = (0..<steps).map { k in GradientCheck.randomTensor([layout.totalCount], std: Float(scales[k % 12]), rng: &rng) }
        let lr = try hyper.float("lr", default: 1e-3)
        let straight = Tensor(shape: start.shape), resumed = Tensor(shape: start.shape)
        straight.copy(from: start)
        resumed.copy(from: start)
        let a = try name.make(layout: layout, hyper: hyper)
        for g in grads { a.step(parameters: straight, gradients: g, baseLR: lr, factor: 1) }
        let first = try name.make(layout: layout, hyper: hyper)
        for g in grads[..<split] { first.step(parameters: resumed, gradients: g, baseLR: lr, factor: 1) }
        let second = try name.make(layout: layout, hyper: hyper)
        let saved = Dictionary(uniqueKeysWithValues: first.namedStateTensors.map { ($0.name, $0.tensor) })
        for (key, tensor) in second.namedStateTensors { tensor.copy(from: saved[key]!) }
        second.setStepCount(split)
        for g in grads[split...] { second.step(parameters: resumed, gradients: g, baseLR: lr, factor: 1) }
        return (0..<start.count).map { abs(straight[$0] - resumed[$0]) }.max()!
    }

    /// Trains the `tiny` model's layout on seeded random gradients with the updates on one thread
    /// and spread over `threads`; returns the largest parameter difference (updates borrow
    /// separate workspaces, so it should be 0).
    static func threadGap(_ name: OptimizerKind, hyper: Hyper, threads: Int, steps: Int) throws -> Float {
        let layout = ParameterLayout(config: try ModelConfig.named("tiny"))
        var rng = RNG(seed: 22)
        let start = GradientCheck.randomTensor([layout.totalCount], std: 0.02, rng: &rng)
        let grads = (0..<steps).map { _ in GradientCheck.randomTensor([layout.totalCount], std: 0.01, rng: &rng) }
        var results: [Tensor] = []
        for lanes in [1, threads] {
            let opt = try name.make(layout: layout, hyper: hyper)
            opt.threads = lanes
            let p = Tensor(shape: start.shape)
            p.copy(from: start)
            for g in grads { opt.step(parameters: p, gradients: g, baseLR: 3e-3, factor: 1) }
            results.append(p)
        }
        return (0..<start.count).map { abs(results[0][$0] - results[1][$0]) }.max()!
    }

    /// Distributed Shampoo (docs/optimizers.md §5.1) on a vector, in Float64: one n×n factor, exponent −1/2, Adam
    /// grafting with the same β2 and ε, decoupled decay, bias corrections, β3 = β1.
    static func distributedVectorOracle(param: [Double], grads: [[Double]], lr: Double, beta1: Double, beta2: Double,
                                        eps: Double, weightDecay: Double, frequency: Int, start: Int) -> [[Double]] {
        let n = param.count
        var p = param.map { Double(Float($0)) }
        var stat = [Double](repeating: 0, count: n * n), root = LinalgTests.eye(n)
        var mom = [Double](repeating: 0, count: n), v = [Double](repeating: 0, count: n)
        var out: [[Double]] = []
        for (k, grad) in grads.enumerated() {
            let t = k + 1, g = grad.map { Double(Float($0)) }
            for i in 0..<n { for j in 0..<n { stat[i * n + j] = beta2 * stat[i * n + j] + (1 - beta2) * g[i] * g[j] } }
            for i in 0..<n { v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i] }
            let bc2 = 1 - pow(beta2, Double(t))
            if (t % frequency == 0 && t > start) || t == start { root = rootInverse(stat.map { $0 / bc2 }, n: n, exponent: 0.5, eps: eps) }
            for i in 0..<n { mom[i] += (1 - beta1) * (g[i] - mom[i]) }
            let mhat = mom.map { $0 / (1 - pow(beta1, Double(t))) }
            let graft = (0..<n).map { mhat[$0] / ((v[$0] / bc2).squareRoot() + eps) }
            var dir = graft
            if t >= start {
                dir = LinalgTests.mul(root, mhat, n, n, 1)
                let ratio = norm(graft) / (norm(dir) + 1e-16)
                dir = dir.map { $0 * ratio }
            }
            for i in 0..<n { p[i] -= lr * (dir[i] + weightDecay * p[i]) }
            out.append(p)
        }
        return out
    }

    static func norm(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Distributed Shampoo's root: eigh(A + εI), shift if min λ < ε, Q·diag(λ^(−e))·Qᵀ.
    static func rootInverse(_ a: [Double], n: Int, exponent: Double, eps: Double) -> [Double] {
        var shifted = a
        for i in 0..<n { shifted[i * n + i] += eps }
        var values = [Double](repeating: 0, count: n), vectors = [Double](repeating: 0, count: n * n)
        try! SymmetricEigen<Double>(n: n).decompose(shifted, eigenvalues: &values, eigenvectors: &vectors)
        let low = values.min()!
        if low < eps { values = values.map { $0 - low + eps } }
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n {
            r[i * n + j] += vectors[i * n + k] * pow(values[k], -exponent) * vectors[j * n + k]
        } } }
        return r
    }
}
