import Core
import Foundation
import Testing

/// bf16 mixed precision: the fp32-in, fp32-out bf16 product on every kernel this CPU runs against
/// exact sums of the rounded operands, each layer against its fp32 self, and a whole run against
/// fp32. The AMX kernel's packing and blocking are tested with its tiles computed in software
/// wherever AVX512-BF16 exists, its tile instructions only on AMX hardware.
///
/// Tolerances: rounding an operand to bf16 moves it by at most 2⁻⁹ of itself, so a product
/// moves by at most (1 + 2⁻⁹)² − 1 < 2⁻⁸ + 2⁻¹⁸ and a sum of k products by that times Σ|a||b|,
/// plus the fp32 summation bound (k + 2)·2⁻²⁴·Σ|a||b|.
@Suite("bf16 mixed precision")
struct MixedPrecisionTests {
    static let kernels = BF16Kernel.allCases.filter(\.isAvailable)

    static func rounded(_ x: Float) -> Double { Double(BFloat16.float(BFloat16.round(x))) }

    /// m, n, k, transposes, padding added to each leading dimension, alpha, beta.
    static let cases: [(m: Int, n: Int, k: Int, ta: Bool, tb: Bool, pad: Int, alpha: Float, beta: Float)] = [
        (1, 1, 1, false, false, 0, 1, 0), (7, 5, 13, false, true, 3, 1, 0), (9, 17, 2, true, false, 1, 0.5, 1),
        (33, 49, 31, true, true, 0, 1, 0.5), (64, 96, 144, false, true, 0, 1, 0), (130, 48, 67, false, false, 2, -2, 1),
        (144, 576, 1024, true, false, 0, 1, 0), (1024, 144, 576, false, false, 0, 1, 1), (128, 128, 48, false, true, 96, 0.7, 0),
        (128, 48, 128, true, false, 0, 1, 1), (70, 70, 70, false, false, 0, 1, 0), (300, 1160, 520, false, true, 0, 1, 0),
    ]

    @Test(arguments: kernels)
    func productMatchesExactSumsOfRoundedOperands(kernel: BF16Kernel) {
        var rng = RNG(seed: 21)
        for (m, n, k, ta, tb, pad, alpha, beta) in Self.cases {
            let lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad
            let a = (0..<((ta ? k : m) * lda)).map { _ in Float(rng.nextGaussian()) }
            let b = (0..<((tb ? n : k) * ldb)).map { _ in Float(rng.nextGaussian()) }
            let c0 = (0..<(m * ldc)).map { _ in beta == 0 ? Float.nan : Float(rng.nextGaussian()) }
            var c = c0
            let scratch = BF16Scratch(kernel: kernel, rows: m, cols: n, inner: k)
            defer { withExtendedLifetime(scratch) {} }
            scratch.matmul.gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Self.rounded(ta ? a[p * lda + i] : a[i * lda + p])
                        let y = Self.rounded(tb ? b[j * ldb + p] : b[p * ldb + j])
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    let prior = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                    let expected = Double(alpha) * exact + prior
                    let bound = Double(k + 4) * 0x1p-24 * (abs(Double(alpha)) * magnitude + abs(prior)) + 1e-30
                    worst = max(worst, abs(Double(c[i * ldc + j]) - expected) / bound)
                }
            }
            if m * n * k >= 1 << 20 { print("bf16 \(kernel) \(m)×\(n)×\(k): c[0] \(c[0]), worst error \(worst) of the bound") }
            #expect(worst <= 1, "\(kernel) \(m)×\(n)×\(k) ta \(ta) tb \(tb): error \(worst)× the fp32 bound")
            // Padding past each row's end must stay as it was.
            if pad > 0 { #expect(c[n] == c0[n] || (c[n].isNaN && c0[n].isNaN)) }
        }
    }

    @Test(arguments: kernels)
    func linearLayerWithinTheBF16Bound(kernel: BF16Kernel) {
        var rng = RNG(seed: 22)
        let n = 96, i = 48, o = 80
        let x = GradientCheck.randomTensor([n, i], std: 1, rng: &rng)
        let w = GradientCheck.randomTensor([o, i], std: 0.1, rng: &rng)
        let dout = GradientCheck.randomTensor([n, o], std: 1, rng: &rng)
        let scratch = BF16Scratch(kernel: kernel, rows: n, cols: n, inner: n)
        defer { withExtendedLifetime(scratch) {} }
        var outputs: [[Float]] = []
        for matmul in [Matmul.fp32, scratch.matmul] {
            let out = Tensor(shape: [n, o]), dx = Tensor(shape: [n, i]), dw = Tensor(shape: [o, i])
            Linear.forward(out: out.data, inp: x.data, weight: w.data, n: n, inFeatures: i, outFeatures: o, matmul: matmul)
            Linear.backward(dinp: dx.data, dweight: dw.data, dout: dout.data, inp: x.data, weight: w.data,
                            n: n, inFeatures: i, outFeatures: o, matmul: matmul)
            outputs.append(Array(out.buffer) + Array(dx.buffer) + Array(dw.buffer))
        }
        // Per element Σ|a||b| of the three products, for the bound.
        func magnitudes() -> [Double] {
            let fwd = (0..<n * o).map { e in (0..<i).reduce(0.0) { $0 + Double(abs(x[e / o * i + $1] * w[e % o * i + $1])) } }
            let dxm = (0..<n * i).map { e in (0..<o).reduce(0.0) { $0 + Double(abs(dout[e / i * o + $1] * w[$1 * i + e % i])) } }
            let dwm = (0..<o * i).map { e in (0..<n).reduce(0.0) { $0 + Double(abs(dout[$1 * o + e / i] * x[$1 * i + e % i])) } }
            return fwd + dxm + dwm
        }
        let bound = magnitudes().map { (0x1p-8 + 0x1p-18 + 0x1p-16) * $0 + 1e-7 }
        let diffs = zip(outputs[0], outputs[1]).map { Double(abs($0 - $1)) }
        let worst = zip(diffs, bound).map { $0 / $1 }.max() ?? 0
        print("linear bf16 \(kernel): out[0] fp32 \(outputs[0][0]) bf16 \(outputs[1][0]), worst \(worst) of the bound")
        #expect(worst <= 1)
        #expect(diffs.max()! > 0, "bf16 products should differ from fp32 somewhere")
    }

    @Test(arguments: kernels)
    func attentionWithinChainedBF16Roundings(kernel: BF16Kernel) {
        var rng = RNG(seed: 23)
        let shape = AttentionShape(batch: 2, seq: 16, heads: 4, kvHeads: 2, headDim: 8)
        let n = shape.batch * shape.seq
        let q = GradientCheck.randomTensor([n, 32], std: 1, rng: &rng), k = GradientCheck.randomTensor([n, 16], std: 1, rng: &rng)
        let v = GradientCheck.randomTensor([n, 16], std: 1, rng: &rng), dout = GradientCheck.randomTensor([n, 32], std: 1, rng: &rng)
        let scale = Tensor(shape: [4])
        scale.buffer.update(repeating: 2.8)
        let invQ = Tensor(shape: [n * 4]), invK = Tensor(shape: [n * 2])
        Attention.l2NormalizeForward(q.data, invNorm: invQ.data, vectors: n * 4, dim: 8)
        Attention.l2NormalizeForward(k.data, invNorm: invK.data, vectors: n * 2, dim: 8)
        let scratch = BF16Scratch(kernel: kernel, rows: 32, cols: 32, inner: 32)
        defer { withExtendedLifetime(scratch) {} }
        var results: [[Double]] = []
        for matmul in [Matmul.fp32, scratch.matmul] {
            let out = Tensor(shape: [n, 32]), probs = Tensor(shape: [2 * 4 * 16 * 16])
            let dq = Tensor(shape: [n, 32]), dk = Tensor(shape: [n, 16]), dv = Tensor(shape: [n, 16])
            let ds = Tensor(shape: [4]), work = Tensor(shape: [16 * 16])
            Attention.forward(out: out.data, probs: probs.data, q: q.data, k: k.data, v: v.data, scale: scale.data,
                              shape: shape, matmul: matmul)
            Attention.backward(dq: dq.data, dk: dk.data, dv: dv.data, dscale: ds.data, dout: dout.data, probs: probs.data,
                               q: q.data, k: k.data, v: v.data, scale: scale.data, scratch: work.data, shape: shape,
                               matmul: matmul)
            results.append([out, dq, dk, dv, ds].flatMap { $0.buffer.map(Double.init) })
        }
        // Three chained products (logits, then P·V; or dP, dS·K) each within 2⁻⁸ relative, and
        // the softmax's Jacobian is bounded by the logit scale (2.8 here): well under 1.6e-2.
        let error = GradientCheck.relativeError(results[0], results[1])
        print("attention bf16 \(kernel): relative error \(error)")
        #expect(error < 1.6e-2 && error > 0)
    }

    /// The same model's loss through every kernel this CPU runs (the emulation first).
    @Test func kernelsAgreeOnAModelLoss() throws {
        var losses: [Double] = []
        let kernels = [BF16Kernel.emulated] + Self.kernels.filter { $0 != .emulated }
        for kernel in kernels {
            let model = try Transformer(config: ModelConfig(name: "t", width: 48, layers: 2), batch: 2, seq: 32)
            var rng = RNG(seed: 4)
            model.initialize(rng: &rng)
            for i in 0..<64 { model.tokens[i] = Int32(i * 7 % 256); model.targets[i] = Int32(i * 11 % 256) }
            model.setPrecision(.bf16, kernel: kernel)
            losses.append(model.forward())
        }
        print("bf16 loss: " + zip(kernels, losses).map { "\($0) \($1)" }.joined(separator: ", "))
        for loss in losses.dropFirst() { #expect(abs(loss - losses[0]) < 1e-5 * losses[0]) }
    }

    /// A micro run in bf16 follows the fp32 run's loss curve: the band is 0.05 nats per logged
    /// step (bf16 noise, measured ≲ 0.01), while the loss itself falls by more than 1 nat.
    @Test func bf16RunFollowsTheFP32Curve() throws {
        var spec = TrainingTests.config(steps: 40)
        spec.learningRate = 1e-2
        let fp32 = try TrainingTests.losses(spec)
        spec.precision = .bf16
        let bf16 = try TrainingTests.losses(spec)
        let gap = zip(fp32, bf16).map { abs($0 - $1) }.max() ?? .infinity
        print("loss fp32 \(fp32.first!) → \(fp32.last!), bf16 \(bf16.first!) → \(bf16.last!), widest gap \(gap)")
        #expect(fp32.count == 40 && bf16.count == 40)
        #expect(gap < 0.05 && fp32.first! - fp32.last! > 1)
    }

    @Test func precisionRoundTripsAndKeepsOldIDs() throws {
        var spec = RunSpec(model: ModelConfig.sizes[0])
        let fp32JSON = try spec.json()
        #expect(!fp32JSON.contains("precision"), "fp32 specs keep the JSON (and ids) they had")
        spec.precision = .bf16
        let decoded = try RunSpec.decode(json: try spec.json(), source: "test")
        #expect(decoded.precision == .bf16 && decoded.id != RunSpec(model: ModelConfig.sizes[0]).id)
        #expect(throws: QScopeError.self) { try MatmulPrecision(named: "fp16") }
    }
}
