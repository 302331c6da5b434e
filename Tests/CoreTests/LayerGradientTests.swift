import Core
import Testing

/// Each layer's backward against central differences of L = Σ out ⊙ R for a random R, so every
/// output element's gradient path is exercised.
@Suite("Layer gradients")
struct LayerGradientTests {
    /// fp32 forward passes with eps = 1e-3 on O(1) values: rounding noise is ~1e-4 relative.
    let tolerance = 1e-2

    @Test func rmsNorm() {
        var rng = RNG(seed: 1)
        let n = 5, c = 12
        let x = GradientCheck.randomTensor([n, c], std: 1, rng: &rng)
        let gain = GradientCheck.randomTensor([c], std: 0.3, rng: &rng, mean: 1)
        let r = GradientCheck.randomTensor([n, c], std: 1, rng: &rng)
        let out = Tensor(shape: [n, c]), rstd = Tensor(shape: [n])
        func loss() -> Double {
            RMSNorm.forward(out: out.data, rstd: rstd.data, inp: x.data, gain: gain.data, n: n, c: c, eps: 1e-6)
            return (0..<n * c).reduce(0.0) { $0 + Double(out[$1]) * Double(r[$1]) }
        }
        _ = loss()
        let dx = Tensor(shape: [n, c]), dgain = Tensor(shape: [c])
        RMSNorm.backward(dinp: dx.data, dgain: dgain.data, dout: r.data, inp: x.data, gain: gain.data,
                         rstd: rstd.data, n: n, c: c)
        check("rmsnorm dx", analytic: dx, wrt: x, loss)
        check("rmsnorm dgain", analytic: dgain, wrt: gain, loss)
    }

    @Test func reluSquared() {
        var rng = RNG(seed: 2)
        let count = 40
        let x = GradientCheck.randomTensor([count], std: 1, rng: &rng)
        let r = GradientCheck.randomTensor([count], std: 1, rng: &rng)
        let out = Tensor(shape: [count])
        func loss() -> Double {
            ReLUSquared.forward(out: out.data, inp: x.data, count: count)
            return (0..<count).reduce(0.0) { $0 + Double(out[$1]) * Double(r[$1]) }
        }
        let dx = Tensor(shape: [count])
        ReLUSquared.backward(dinp: dx.data, dout: r.data, inp: x.data, count: count)
        check("relu² dx", analytic: dx, wrt: x, loss)
    }

    @Test func linear() {
        var rng = RNG(seed: 3)
        let n = 6, i = 5, o = 7
        let x = GradientCheck.randomTensor([n, i], std: 1, rng: &rng)
        let w = GradientCheck.randomTensor([o, i], std: 1, rng: &rng)
        let r = GradientCheck.randomTensor([n, o], std: 1, rng: &rng)
        let out = Tensor(shape: [n, o])
        func loss() -> Double {
            Linear.forward(out: out.data, inp: x.data, weight: w.data, n: n, inFeatures: i, outFeatures: o)
            return (0..<n * o).reduce(0.0) { $0 + Double(out[$1]) * Double(r[$1]) }
        }
        let dx = Tensor(shape: [n, i]), dw = Tensor(shape: [o, i])
        Linear.backward(dinp: dx.data, dweight: dw.data, dout: r.data, inp: x.data, weight: w.data,
                        n: n, inFeatures: i, outFeatures: o)
        check("linear dx", analytic: dx, wrt: x, loss)
        check("linear dw", analytic: dw, wrt: w, loss)
    }

    @Test func ropeInverseIsTransposeOfForward() {
        // For an orthogonal map, ⟨R x, y⟩ = ⟨x, R⁻¹ y⟩: the backward must be the inverse rotation.
        var rng = RNG(seed: 4)
        let b = 2, t = 5, h = 3, d = 8
        let rope = RoPE(seq: t, headDim: d, base: 1024)
        let x = GradientCheck.randomTensor([b, t, h, d], std: 1, rng: &rng)
        let y = GradientCheck.randomTensor([b, t, h, d], std: 1, rng: &rng)
        let rx = Tensor(shape: x.shape), ry = Tensor(shape: y.shape)
        rx.copy(from: x); ry.copy(from: y)
        rope.apply(rx.data, batch: b, heads: h)
        rope.apply(ry.data, batch: b, heads: h, inverse: true)
        let lhs = (0..<x.count).reduce(0.0) { $0 + Double(rx[$1]) * Double(y[$1]) }
        let rhs = (0..<x.count).reduce(0.0) { $0 + Double(x[$1]) * Double(ry[$1]) }
        #expect(abs(lhs - rhs) < 1e-4 * max(1, abs(lhs)))
        // Position 0 is not rotated; norms are preserved everywhere.
        #expect((0..<h * d).allSatisfy { rx[$0] == x[$0] })
        let nx = (0..<x.count).reduce(0.0) { $0 + Double(x[$1] * x[$1]) }
        let nrx = (0..<x.count).reduce(0.0) { $0 + Double(rx[$1] * rx[$1]) }
        #expect(abs(nx - nrx) < 1e-4 * nx)
    }

    @Test func attentionWithQKNorm() {
        var rng = RNG(seed: 5)
        let shape = AttentionShape(batch: 2, seq: 6, heads: 4, kvHeads: 2, headDim: 4)
        let n = 2 * 6
        let q = GradientCheck.randomTensor([n, 16], std: 1, rng: &rng)
        let k = GradientCheck.randomTensor([n, 8], std: 1, rng: &rng)
        let v = GradientCheck.randomTensor([n, 8], std: 1, rng: &rng)
        let scale = GradientCheck.randomTensor([4], std: 0.5, rng: &rng, mean: 2)
        let r = GradientCheck.randomTensor([n, 16], std: 1, rng: &rng)
        let qn = Tensor(shape: q.shape), kn = Tensor(shape: k.shape)
        let qInv = Tensor(shape: [n, 4]), kInv = Tensor(shape: [n, 2])
        let probs = Tensor(shape: [2, 4, 6, 6]), out = Tensor(shape: [n, 16])
        func loss() -> Double {
            qn.copy(from: q); kn.copy(from: k)
            Attention.l2NormalizeForward(qn.data, invNorm: qInv.data, vectors: n * 4, dim: 4)
            Attention.l2NormalizeForward(kn.data, invNorm: kInv.data, vectors: n * 2, dim: 4)
            Attention.forward(out: out.data, probs: probs.data, q: qn.data, k: kn.data, v: v.data,
                              scale: scale.data, shape: shape)
            return (0..<out.count).reduce(0.0) { $0 + Double(out[$1]) * Double(r[$1]) }
        }
        _ = loss()
        let dq = Tensor(shape: q.shape), dk = Tensor(shape: k.shape), dv = Tensor(shape: v.shape)
        let dscale = Tensor(shape: [4]), scratch = Tensor(shape: [6, 6])
        Attention.backward(dq: dq.data, dk: dk.data, dv: dv.data, dscale: dscale.data, dout: r.data,
                           probs: probs.data, q: qn.data, k: kn.data, v: v.data, scale: scale.data,
                           scratch: scratch.data, shape: shape)
        Attention.l2NormalizeBackward(dq.data, normalized: qn.data, invNorm: qInv.data, vectors: n * 4, dim: 4)
        Attention.l2NormalizeBackward(dk.data, normalized: kn.data, invNorm: kInv.data, vectors: n * 2, dim: 4)
        // Causality: row i of each head's probabilities is zero after column i and sums to 1.
        for row in 0..<(2 * 4 * 6) {
            let i = row % 6
            let p = (0..<6).map { probs[row * 6 + $0] }
            #expect(p[(i + 1)...].allSatisfy { $0 == 0 })
            #expect(abs(p.reduce(0, +) - 1) < 1e-5)
        }
        check("attention dq", analytic: dq, wrt: q, loss)
        check("attention dk", analytic: dk, wrt: k, loss)
        check("attention dv", analytic: dv, wrt: v, loss)
        check("attention dscale", analytic: dscale, wrt: scale, loss)
    }

    @Test func crossEntropy() {
        var rng = RNG(seed: 6)
        let n = 4, v = 9
        let logits = GradientCheck.randomTensor([n, v], std: 2, rng: &rng)
        let targets: [Int32] = [0, 8, 3, 3]
        let work = Tensor(shape: [n, v]), losses = Tensor(shape: [n])
        func loss() -> Double {
            work.copy(from: logits)
            return targets.withUnsafeBufferPointer {
                CrossEntropy.forward(logits: work.data, losses: losses.data, targets: $0.baseAddress!, n: n, v: v)
            }
        }
        let value = loss()
        #expect(value > 0)
        targets.withUnsafeBufferPointer {
            CrossEntropy.backward(probs: work.data, targets: $0.baseAddress!, n: n, v: v)
        }
        let analytic = Tensor(shape: [n, v])
        analytic.copy(from: work)
        check("cross-entropy dlogits", analytic: analytic, wrt: logits, loss)
    }

    @Test func fastExpMatchesLibm() {
        var worst: Double = 0
        for i in -8000...8000 {
            let x = Float(i) / 100
            let exact = Math.exp(Double(x))
            worst = max(worst, abs(Double(Kernels.exp(x)) - exact) / exact)
        }
        print("Kernels.exp max relative error on [-80, 80]: \(worst)")
        #expect(worst < 5e-7)
        #expect(Kernels.exp(-1000) == 0 && Kernels.exp(-87.4) == 0 && Kernels.exp(-87.2) >= Float.leastNormalMagnitude)
        #expect(Kernels.exp(0) == 1)
    }

    /// Scion's logits span ~250 nats on `tiny`. Softmax must not turn the suppressed ones into
    /// denormal probabilities (each costs a microcode assist in the head's backward on many
    /// CPUs): only a band of ln(Σ) nats above exp's cutoff may hold any.
    @Test func softmaxOfAWideLogitSpreadWritesAlmostNoDenormals() {
        let v = 256
        let logits = Tensor(shape: [1, v]), losses = Tensor(shape: [1])
        for j in 0..<v { logits[j] = -250 * Float(j) / Float(v - 1) }
        var target: Int32 = 0
        _ = CrossEntropy.forward(logits: logits.data, losses: losses.data, targets: &target, n: 1, v: v)
        let denormals = logits.buffer.filter { $0 != 0 && abs($0) < Float.leastNormalMagnitude }.count
        let zeros = logits.buffer.filter { $0 == 0 }.count
        print("softmax over a 250-nat spread: \(denormals) denormal, \(zeros) zero probabilities of \(v)")
        #expect(denormals <= 2 && zeros > 150)
    }

    private func check(_ label: String, analytic: Tensor, wrt x: Tensor, _ loss: () -> Double) {
        let numeric = (0..<x.count).map { GradientCheck.centralDifference(x.data, index: $0, eps: 1e-3, loss) }
        let a = analytic.array.map(Double.init)
        GradientCheck.report(label, analytic: a, numeric: numeric)
        #expect(GradientCheck.relativeError(a, numeric) < tolerance, "\(label)")
    }
}
