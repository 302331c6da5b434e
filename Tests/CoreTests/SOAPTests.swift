@testable import Core
import Foundation
import Testing

/// SOAP: the golden runs (a float64 oracle verified against nikhilvyas `soap.py` to ≤4e-16), the
/// first-step skip, vectors, the eigenbasis invariants, hyperparameter checks, and checkpoint
/// continuity through the first step and the basis refreshes.
@Suite("SOAP")
struct SOAPTests {
    typealias Support = KroneckerTestSupport

    /// Float32 against the float64 goldens: ≤ 1.7e-7 of the parameter scale on every run (the
    /// first step is the parameter's own Float32 rounding). Square full-rank first gradients or
    /// one side switched off, so the eigenbasis is unique up to signs (docs/optimizers.md §9.3).
    @Test(arguments: [
        "soap_4x8_left_only.json", "soap_5x5_wd_f3.json", "soap_6x6.json", "soap_8x4_right_only.json",
        "soap_pathological_5x5.json",
    ])
    func goldenReplayMatches(file: String) throws {
        let golden = try #require(try OptimizerGolden.all(prefix: "soap_").first { $0.name == file }?.golden)
        let errors = try golden.replayErrors()
        print("\(file): max relative error per step \(errors.map { String(format: "%.1e", $0) })")
        #expect(errors.count == golden.params.count)
        #expect(errors.allSatisfy { $0 < 1e-6 }, "\(file): \(errors)")
    }

    @Test func everyGoldenIsCovered() throws {
        #expect(try OptimizerGolden.all(prefix: "soap_").count == 5)
    }

    /// The first step only builds GG and Q (every parameter stays put, vectors included); Q is
    /// orthonormal with columns by descending eigenvalue; the second step moves everything.
    @Test func firstStepOnlyBuildsTheBasis() throws {
        let layout = ParameterLayout(config: try ModelConfig.named("tiny"))
        let opt = try OptimizerKind.soap.make(layout: layout)
        var rng = RNG(seed: 31)
        let params = GradientCheck.randomTensor([layout.totalCount], std: 0.02, rng: &rng)
        let before = params.array
        opt.step(parameters: params, gradients: GradientCheck.randomTensor([layout.totalCount], std: 0.01, rng: &rng),
                 baseLR: 3e-3, factor: 1)
        #expect(params.array == before)
        for (info, state) in zip(layout.parameters, opt.states) {
            let names = Set(state.slots.map(\.name))
            #expect(info.shape.count == 1 ? names == ["exp_avg", "exp_avg_sq"]
                                          : names == ["exp_avg", "exp_avg_sq", "GG_L", "Q_L", "GG_R", "Q_R"], "\(info.name)")
            for side in ["L", "R"] where names.contains("Q_" + side) {
                let (q, gg) = (state["Q_" + side].array.map(Double.init), state["GG_" + side].array.map(Double.init))
                let n = state["Q_" + side].shape[0]
                let qtq = LinalgTests.mul(LinalgTests.transpose(q, n, n), q, n, n, n)
                #expect(LinalgTests.maxAbsDiff(qtq, LinalgTests.eye(n)) < 1e-5, "\(info.name) Q_\(side)")
                let rotated = LinalgTests.mul(LinalgTests.transpose(q, n, n), LinalgTests.mul(gg, q, n, n, n), n, n, n)
                let diagonal = (0..<n).map { rotated[$0 * n + $0] }
                let scale = diagonal.first! + 1e-30
                #expect(zip(diagonal, diagonal.dropFirst()).allSatisfy { $0 >= $1 - 1e-5 * scale }, "\(info.name) Q_\(side) order")
            }
        }
        opt.step(parameters: params, gradients: GradientCheck.randomTensor([layout.totalCount], std: 0.01, rng: &rng),
                 baseLR: 3e-3, factor: 1)
        for info in layout.parameters {
            let moved = (info.offset..<(info.offset + info.count)).allSatisfy { params[$0] != before[$0] }
            #expect(moved, "\(info.name)")
        }
    }

    /// A vector gets plain Adam in SOAP's form: its first step skipped, then
    /// W −= lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε) and W −= lr·wd·W, with t counted from the second step.
    /// (Also checked against nikhilvyas `soap.py` directly: 6e-8.)
    @Test func vectorsGetSOAPsAdam() throws {
        let n = 7, steps = 8, lr = 0.003, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1
        var rng = RNG(seed: 32)
        let param = (0..<n).map { _ in rng.nextGaussian() }
        let grads = (0..<steps).map { k in (0..<n).map { _ in rng.nextGaussian() * Support.scales[k] } }
        let hyper = Hyper(["lr": .number(lr), "betas": .list([.number(b1), .number(b2)]), "weight_decay": .number(wd)])
        let ours = try Support.run(.soap, hyper: hyper, shape: [n], role: .vector, param: param, grads: grads)
        var p = param.map { Double(Float($0)) }, m = [Double](repeating: 0, count: n), v = m
        for (k, grad) in grads.enumerated() where k > 0 {
            let g = grad.map { Double(Float($0)) }, t = Double(k)
            let size = lr * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t))
            for i in 0..<n {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                p[i] -= size * m[i] / (v[i].squareRoot() + eps)
                p[i] -= lr * wd * p[i]
            }
            let err = Support.relativeError(ours[k], p)
            #expect(err < 1e-6, "step \(k + 1): \(err)")
        }
    }

    /// precondition_1d gives a vector the full n×n factor: the same run as an n×1 matrix (whose
    /// right factor is the 1×1 identity up to sign).
    @Test func precondition1DIsTheColumnMatrix() throws {
        var rng = RNG(seed: 33)
        let param = (0..<5).map { _ in rng.nextGaussian() }
        let grads = (0..<9).map { _ in (0..<5).map { _ in rng.nextGaussian() } }
        let base: [String: HyperValue] = ["lr": .number(0.01), "precondition_frequency": .number(2)]
        let vector = try Support.run(.soap, hyper: Hyper(base.merging(["precondition_1d": .bool(true)]) { $1 }),
                                     shape: [5], role: .vector, param: param, grads: grads)
        let column = try Support.run(.soap, hyper: Hyper(base), shape: [5, 1], role: .hidden, param: param, grads: grads)
        let plain = try Support.run(.soap, hyper: Hyper(base), shape: [5], role: .vector, param: param, grads: grads)
        #expect(Support.relativeError(vector.last!, column.last!) < 1e-6)
        #expect(Support.relativeError(vector.last!, plain.last!) > 1e-4)
    }

    /// normalize_grads rescales the rotated-back update to unit RMS, so the first real step
    /// moves W by exactly lr·√(1−β2)/(1−β1) in RMS (no decay).
    @Test func normalizeGradsGivesUnitRMSUpdates() throws {
        var rng = RNG(seed: 34)
        let param = (0..<20).map { _ in rng.nextGaussian() }
        let grads = (0..<2).map { _ in (0..<20).map { _ in rng.nextGaussian() * 3 } }
        let hyper = Hyper(["lr": .number(0.01), "normalize_grads": .bool(true), "betas": .list([.number(0.9), .number(0.99)])])
        let out = try Support.run(.soap, hyper: hyper, shape: [4, 5], role: .hidden, param: param, grads: grads)
        let rms = (zip(out[1], out[0]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 20).squareRoot()
        let expected = 0.01 * (1 - 0.99).squareRoot() / (1 - 0.9)
        #expect(abs(rms - expected) < 1e-4 * expected, "\(rms) vs \(expected)")
    }

    /// A rectangular parameter with both factors (the study's hidden matrices): the bases stay
    /// orthonormal through refreshes and the run stays finite.
    @Test func rectangularBasesStayOrthonormal() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [6, 10])])
        let opt = try OptimizerKind.soap.make(layout: layout, hyper: Hyper(["precondition_frequency": .number(3)]))
        var rng = RNG(seed: 35)
        let p = GradientCheck.randomTensor([60], std: 1, rng: &rng)
        for _ in 0..<31 { opt.step(parameters: p, gradients: GradientCheck.randomTensor([60], std: 1, rng: &rng), baseLR: 0.01, factor: 1) }
        #expect(Kernels.allFinite(p.data, count: 60))
        for side in ["Q_L", "Q_R"] {
            let q = opt.states[0][side].array.map(Double.init), n = opt.states[0][side].shape[0]
            let qtq = LinalgTests.mul(LinalgTests.transpose(q, n, n), q, n, n, n)
            #expect(LinalgTests.maxAbsDiff(qtq, LinalgTests.eye(n)) < 1e-5, "\(side)")
        }
    }

    @Test func hyperparametersAreChecked() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [4, 4])])
        func rejects(_ values: [String: HyperValue], _ fragment: String) {
            do {
                _ = try OptimizerKind.soap.make(layout: layout, hyper: Hyper(values))
                Issue.record("accepted \(values)")
            } catch {
                #expect("\(error)".contains(fragment), "\(error)")
            }
        }
        rejects(["merge_dims": .bool(true)], "merge_dims = true is not supported")
        rejects(["grafting": .string("adam")], "grafting")
        rejects(["betas": .list([.number(0.9), .number(1)])], "betas")
        rejects(["precondition_frequency": .number(0)], "precondition_frequency")
        rejects(["shampoo_beta": .number(1)], "shampoo_beta")
        _ = try OptimizerKind.soap.make(layout: layout, hyper: Hyper([
            "merge_dims": .bool(false), "correct_bias": .bool(false), "shampoo_beta": .number(-1), "max_precond_dim": .number(2),
            "momentum": .number(0.95), "beta2": .number(0.99),
        ]))
    }

    /// State restored into a fresh optimizer continues bit for bit: right after the skipped
    /// first step, just before a refresh, and just after one.
    @Test func resumeContinuesExactly() throws {
        let layout = ParameterLayout(tensors: [(name: "w", role: .hidden, shape: [5, 5]), (name: "r", role: .hidden, shape: [3, 6]),
                                               (name: "g", role: .vector, shape: [4])])
        let hyper = Hyper(["precondition_frequency": .number(3), "weight_decay": .number(0.1), "lr": .number(0.01),
                           "max_precond_dim": .number(5)])
        for split in [1, 3, 4] {
            #expect(try Support.resumeGap(.soap, hyper: hyper, layout: layout, steps: 10, split: split) == 0, "split \(split)")
        }
    }

    /// Updates spread over threads (as the trainer runs them) give the same parameters, through
    /// the first-step eigh and a basis refresh.
    @Test func threadsDoNotChangeTheResult() throws {
        let hyper = Hyper(["precondition_frequency": .number(2)])
        #expect(try Support.threadGap(.soap, hyper: hyper, threads: 3, steps: 5) == 0)
    }
}
