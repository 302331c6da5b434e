import Core

/// The ABC decomposition of quantization error over the fine-grained module chain (docs/analysis.md §3).
///
/// Two tracks run side by side: the clean one (h_ℓ = f_ℓ(h_{ℓ−1})) and the quantized one
/// (h^q_ℓ = f^q_ℓ(h^q_{ℓ−1})). Each module is evaluated four times, f(h), f(h_q), f_q(h) and
/// f_q(h_q) (twice when f_q = f), and per token
///
///     a = ½[(f_q(h_q) − f_q(h)) + (f(h_q) − f(h))]     propagated error
///     b = ½[(f_q(h_q) − f(h_q)) + (f_q(h) − f(h))]     local error
///     R = ‖f_q(h_q) − f(h)‖²/‖f(h)‖²,  A = ‖a‖²/‖f(h)‖²,  B = ‖b‖²/‖f(h)‖²,  C = 2⟨a, b⟩/‖f(h)‖²
///
/// averaged over the tokens of the calibration batches, so R = A + B + C to rounding (R is
/// computed from Δh directly, not as the sum). For linear modules a = (W + ½ε_W)Δh exactly, so
/// A = G₁·G₂·R_in with the spectral ratio G₁ and alignment ratio G₂ (`ModuleError`); G₂ is
/// computed from its cosines, independently of A.
///
/// Feed batches with `accumulate`, then read `report`. Not thread-safe; allocation happens in
/// the first batch only (slot buffers are pooled and reused).
public final class PropagationAnalyzer {
    public let chain: ModuleChain
    private var sums: [ModuleSums]
    private var clean: [Tensor?]
    private var quantized: [Tensor?]
    private var pool: [Int: [Tensor]] = [:]
    private let fqh: Tensor          // (N, max width): f_q(h)
    private let fhq: Tensor          // (N, max width): f(h_q)
    private let delta: Tensor        // (N, max width): Δ of a linear's input
    private let mDelta: Tensor       // (N, max width): (W + ½ε_W)·Δ
    private let linearTerms: [Int: LinearTerms]
    /// Σ over tokens of KL(softmax(clean logits) ‖ softmax(quantized logits)), and the count.
    private var kl = (sum: 0.0, tokens: 0)

    /// Accumulated per-token sums of one module.
    struct ModuleSums {
        var tokens = 0
        var r = 0.0, a = 0.0, b = 0.0, c = 0.0, inputError = 0.0
        /// Σ over tokens of each input's share of the concatenated input's squared norm.
        var inputShares: [Double] = []
        /// Σ_t G₂,t · R_in,t over tokens with input error (linear modules).
        var alignmentWeighted = 0.0
    }

    /// A linear module's M = W + ½ε_W = ½(W + W_q) and the squared spectral norms of W and M.
    struct LinearTerms {
        let halfSum: Tensor
        let spectralW: Double
        let spectralM: Double
    }

    /// An analyzer of the model with `parameters` (layout order; kept, not copied) quantized by
    /// `weight` (the six block linears, and the head with `quantizeHead`) and `input` (their
    /// inputs, per token), on batches of (batch, seq) tokens.
    public convenience init(config: ModelConfig, parameters: Tensor, batch: Int, seq: Int, weight: RoundToNearest?,
                            input: RoundToNearest?, quantizeHead: Bool = false) throws {
        try self.init(chain: ModuleChain(config: config, parameters: parameters, batch: batch, seq: seq, weight: weight,
                                         input: input, quantizeHead: quantizeHead))
    }

    /// An analyzer of `chain` (built for a layer-by-layer plan: `ModuleChain.init(plan:)`).
    public init(chain: ModuleChain) throws {
        self.chain = chain
        let batch = chain.batch, seq = chain.seq
        sums = Array(repeating: ModuleSums(), count: chain.modules.count)
        clean = Array(repeating: nil, count: chain.slotWidths.count)
        quantized = clean
        let scratch = [batch * seq, chain.slotWidths.max()!]
        fqh = Tensor(shape: scratch)
        fhq = Tensor(shape: scratch)
        delta = Tensor(shape: scratch)
        mDelta = Tensor(shape: scratch)
        var terms: [Int: LinearTerms] = [:]
        for (i, module) in chain.modules.enumerated() where module.kind == .linear && module.isQuantized {
            let info = chain.layout.info(named: module.weight!)!
            let rows = info.shape[0], cols = info.shape[1]
            let w = chain.weight(of: module, quantized: false), wq = chain.weight(of: module, quantized: true)
            let m = Tensor(shape: [rows, cols])
            for j in 0..<(rows * cols) { m.data[j] = 0.5 * (w[j] + wq[j]) }
            terms[i] = LinearTerms(halfSum: m, spectralW: try SpectralNorms.squared(w, rows: rows, cols: cols),
                                   spectralM: try SpectralNorms.squared(m.data, rows: rows, cols: cols))
        }
        linearTerms = terms
    }

    /// Runs both tracks over one batch of tokens (B, T) and adds its tokens to the sums.
    public func accumulate(tokens: UnsafePointer<Int32>) {
        let n = chain.rows
        let start = acquire(chain.slotWidths[0])
        chain.embed(tokens: tokens, into: start.data)
        clean[0] = start
        let startQ = acquire(chain.slotWidths[0])
        startQ.copy(from: start)
        quantized[0] = startQ
        for (i, module) in chain.modules.enumerated() {
            let width = chain.slotWidths[module.output]
            let cleanIn = module.inputs.map { UnsafePointer(clean[$0]!.data) }
            let quantIn = module.inputs.map { UnsafePointer(quantized[$0]!.data) }
            let fh = acquire(width), fqhq = acquire(width)
            chain.evaluate(i, inputs: cleanIn, quantized: false, into: fh.data)
            if module.isQuantized {
                chain.evaluate(i, inputs: cleanIn, quantized: true, into: fqh.data)
                chain.evaluate(i, inputs: quantIn, quantized: false, into: fhq.data)
                chain.evaluate(i, inputs: quantIn, quantized: true, into: fqhq.data)
            } else {
                chain.evaluate(i, inputs: quantIn, quantized: false, into: fqhq.data)
            }
            let inputError = self.inputError(i, rows: n)
            addTokens(i, fh: fh.data, fqhq: fqhq.data, width: width, rows: n, inputError: inputError)
            if let terms = linearTerms[i] {
                addAlignment(i, module: module, terms: terms, fh: fh.data, rows: n, inputError: inputError)
            }
            clean[module.output] = fh
            quantized[module.output] = fqhq
            for slot in Set(module.inputs) where chain.lastReader[slot] == i { releaseSlot(slot) }
        }
        if let logits = chain.modules.last?.output {
            addDivergence(clean: clean[logits]!.data, quantized: quantized[logits]!.data, width: chain.slotWidths[logits],
                          rows: n)
            releaseSlot(logits)
        }
    }

    /// Adds each token's KL(p ‖ p_q) between the two tracks' next-token distributions, computed
    /// from the logits in Float64 with the log-sum-exp shift.
    private func addDivergence(clean: UnsafePointer<Float>, quantized: UnsafePointer<Float>, width: Int, rows: Int) {
        func logPartition(_ x: UnsafePointer<Float>) -> Double {
            var top = -Double.infinity
            for j in 0..<width { top = Swift.max(top, Double(x[j])) }
            var sum = 0.0
            for j in 0..<width { sum += Math.exp(Double(x[j]) - top) }
            return top + Math.log(sum)
        }
        for t in 0..<rows {
            let p = clean + t * width, q = quantized + t * width
            let zp = logPartition(p), zq = logPartition(q)
            var divergence = 0.0
            for j in 0..<width {
                let logP = Double(p[j]) - zp
                divergence += Math.exp(logP) * (logP - (Double(q[j]) - zq))
            }
            kl.sum += Swift.max(0, divergence)
            kl.tokens += 1
        }
    }

    /// The decomposition over every token seen so far.
    public func report(step: Int) -> PropagationReport {
        PropagationReport(step: step, modules: chain.modules.indices.map { i in
            let module = chain.modules[i], s = sums[i], terms = linearTerms[i]
            let count = Double(Swift.max(s.tokens, 1))
            return ModuleError(
                name: module.name, kind: module.kind, layer: module.layer, r: s.r / count, a: s.a / count,
                b: s.b / count, c: s.c / count, inputError: s.inputError / count,
                spectralRatio: terms.map { $0.spectralM / $0.spectralW },
                alignmentRatio: terms.map { _ in s.inputError > 0 ? s.alignmentWeighted / s.inputError : 1 })
        }, outputKL: kl.tokens > 0 ? kl.sum / Double(kl.tokens) : nil)
    }

    /// Input `input`'s mean share of module `index`'s concatenated input norm (1 for a single input).
    func inputShare(_ index: Int, _ input: Int) -> Double {
        let shares = sums[index].inputShares, total = shares.reduce(0, +)
        return total > 0 ? shares[input] / total : 1 / Double(chain.modules[index].inputs.count)
    }

    /// Per token: Σ over the module's inputs of ‖h_q − h‖², over Σ ‖h‖² (the concatenated input).
    /// Also adds each input's share of Σ ‖h‖² to the module's `inputShares`.
    private func inputError(_ index: Int, rows: Int) -> [Double] {
        let module = chain.modules[index]
        var errors = [Double](repeating: 0, count: rows)
        var norms = [Double](repeating: 0, count: rows)
        var slotNorms = [[Double]](repeating: [Double](repeating: 0, count: rows), count: module.inputs.count)
        for (input, slot) in module.inputs.enumerated() {
            let width = chain.slotWidths[slot], h = clean[slot]!.data, hq = quantized[slot]!.data
            for t in 0..<rows {
                var e = 0.0, s = 0.0
                for j in (t * width)..<((t + 1) * width) {
                    let x = Double(h[j]), d = Double(hq[j]) - x
                    e += d * d
                    s += x * x
                }
                errors[t] += e
                norms[t] += s
                slotNorms[input][t] = s
            }
        }
        if sums[index].inputShares.isEmpty { sums[index].inputShares = Array(repeating: 0, count: module.inputs.count) }
        for t in 0..<rows where norms[t] > 0 {
            for input in module.inputs.indices { sums[index].inputShares[input] += slotNorms[input][t] / norms[t] }
        }
        return zip(errors, norms).map { $1 > 0 ? $0 / $1 : 0 }
    }

    /// Adds each token's R, A, B, C (tokens whose clean output is zero have no relative error
    /// and are skipped).
    private func addTokens(_ index: Int, fh: UnsafePointer<Float>, fqhq: UnsafePointer<Float>, width: Int,
                           rows: Int, inputError: [Double]) {
        let quantizedFunction = chain.modules[index].isQuantized
        for t in 0..<rows {
            var hh = 0.0, rr = 0.0, aa = 0.0, bb = 0.0, ab = 0.0
            for j in (t * width)..<((t + 1) * width) {
                let h = Double(fh[j]), hqq = Double(fqhq[j])
                let a: Double, b: Double
                if quantizedFunction {
                    let qh = Double(fqh.data[j]), hq = Double(fhq.data[j])
                    a = 0.5 * ((hqq - qh) + (hq - h))
                    b = 0.5 * ((hqq - hq) + (qh - h))
                } else {
                    a = hqq - h
                    b = 0
                }
                hh += h * h
                rr += (hqq - h) * (hqq - h)
                aa += a * a
                bb += b * b
                ab += a * b
            }
            guard hh > 0 else { continue }
            sums[index].tokens += 1
            sums[index].r += rr / hh
            sums[index].a += aa / hh
            sums[index].b += bb / hh
            sums[index].c += 2 * ab / hh
            sums[index].inputError += inputError[t]
        }
    }

    /// Adds Σ_t G₂,t·R_in,t for a linear module, with cos φ and cos ψ from M·Δh and W·h
    /// (= f(h)), per docs/analysis.md §3.4's exact form.
    private func addAlignment(_ index: Int, module: ModuleChain.Module, terms: LinearTerms, fh: UnsafePointer<Float>,
                              rows: Int, inputError: [Double]) {
        let info = chain.layout.info(named: module.weight!)!
        let outWidth = info.shape[0], inWidth = info.shape[1]
        let h = clean[module.inputs[0]]!.data, hq = quantized[module.inputs[0]]!.data
        for j in 0..<(rows * inWidth) { delta.data[j] = hq[j] - h[j] }
        Linear.forward(out: mDelta.data, inp: delta.data, weight: terms.halfSum.data, n: rows, inFeatures: inWidth,
                       outFeatures: outWidth)
        for t in 0..<rows where inputError[t] > 0 {
            let md = Self.squaredNorm(mDelta.data + t * outWidth, outWidth)
            let d = Self.squaredNorm(delta.data + t * inWidth, inWidth)
            let wh = Self.squaredNorm(fh + t * outWidth, outWidth)
            let x = Self.squaredNorm(h + t * inWidth, inWidth)
            guard wh > 0 else { continue }
            let cosPhi = md / (terms.spectralM * d), cosPsi = wh / (terms.spectralW * x)
            sums[index].alignmentWeighted += cosPhi / cosPsi * inputError[t]
        }
    }

    private static func squaredNorm(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
        var s = 0.0
        for i in 0..<count { s += Double(x[i]) * Double(x[i]) }
        return s
    }

    private func acquire(_ width: Int) -> Tensor {
        if let tensor = pool[width]?.popLast() { return tensor }
        return Tensor(shape: [chain.rows, width])
    }

    private func releaseSlot(_ slot: Int) {
        for track in [clean[slot], quantized[slot]] {
            if let tensor = track { pool[tensor.shape[1], default: []].append(tensor) }
        }
        clean[slot] = nil
        quantized[slot] = nil
    }
}

/// Squared spectral norms ‖W‖₂² through the eigenvalues of the smaller Gram matrix, in Float64.
enum SpectralNorms {
    static func squared(_ w: UnsafePointer<Float>, rows: Int, cols: Int) throws -> Double {
        // ‖W‖₂² = λ_max(W·Wᵀ) = λ_max(Wᵀ·W); the smaller side keeps the eigenproblem cheap.
        let byRows = rows <= cols, n = byRows ? rows : cols, k = byRows ? cols : rows
        // A (n×k) is W or Wᵀ in Float64 with contiguous rows, so each Gram entry is one
        // unit-stride dot product. Not BLAS: a threaded syrk sums in an order that depends on
        // the thread count, and the study's tables must not change with the machine's cores.
        var a = [Double](repeating: 0, count: n * k)
        for i in 0..<rows {
            for j in 0..<cols { a[byRows ? i * cols + j : j * rows + i] = Double(w[i * cols + j]) }
        }
        var gram = [Double](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { a in
            for i in 0..<n {
                for j in i..<n {
                    let s = dot(a.baseAddress! + i * k, a.baseAddress! + j * k, k)
                    gram[i * n + j] = s
                    gram[j * n + i] = s
                }
            }
        }
        var values = [Double](repeating: 0, count: n), vectors = [Double](repeating: 0, count: n * n)
        do {
            try SymmetricEigen<Double>(n: n).decompose(gram, eigenvalues: &values, eigenvectors: &vectors)
        } catch {
            throw error.qscopeError
        }
        return values.last ?? 0
    }

    /// Σ x·y in a fixed order, four partial sums (so the loop pipelines) added at the end.
    private static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, i = 0
        while i + 4 <= count {
            s0 += x[i] * y[i]
            s1 += x[i + 1] * y[i + 1]
            s2 += x[i + 2] * y[i + 2]
            s3 += x[i + 3] * y[i + 3]
            i += 4
        }
        while i < count {
            s0 += x[i] * y[i]
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}

extension PropagationAnalyzer {
    /// The decomposition of `file`'s model on `batches` validation batches of `corpus`, with the
    /// checkpoint's batch shape.
    public static func run(file: Safetensors.File, path: String, corpus: Corpus, weight: RoundToNearest?,
                           input: RoundToNearest?, quantizeHead: Bool, batches: Int) throws -> PropagationReport {
        let config = try Checkpoint.spec(of: file, path: path)
        let layout = ParameterLayout(config: config.model)
        let parameters = Tensor(shape: [layout.totalCount])
        try Checkpoint.loadParameters(file, path: path, layout: layout, into: parameters)
        let sampler = try BatchSampler(corpus: corpus, batch: config.batch, seq: config.seq, seed: config.seed)
        let analyzer = try PropagationAnalyzer(config: config.model, parameters: parameters, batch: config.batch,
                                               seq: config.seq, weight: weight, input: input, quantizeHead: quantizeHead)
        let tokens = UnsafeMutableBufferPointer<Int32>.allocate(capacity: config.batch * config.seq)
        let targets = UnsafeMutableBufferPointer<Int32>.allocate(capacity: config.batch * config.seq)
        defer {
            tokens.deallocate()
            targets.deallocate()
        }
        for i in 0..<batches {
            sampler.fillValidation(index: i, of: batches, tokens: tokens, targets: targets)
            analyzer.accumulate(tokens: tokens.baseAddress!)
        }
        return analyzer.report(step: Int(file.metadata["qscope.step"] ?? "") ?? 0)
    }
}
