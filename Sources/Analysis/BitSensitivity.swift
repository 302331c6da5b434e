import Core

/// Per-layer costs of quantizing at each bit width, three ways (docs/quantization.md §11.2): what
/// a greedy allocation trades against bits. Every cost is measured on calibration batches
/// (training batches past any run), never on the validation batches plans are judged on.
///
/// A layer at b bits means W_bA_b: its weights (by the allocation's method) and its input.
public struct BitSensitivity: Sendable {
    /// cost[layer][bits]: lower is better; only differences within a layer matter to the greedy.
    public let costs: [LinearID: [Int: Double]]

    public init(costs: [LinearID: [Int: Double]]) {
        self.costs = costs
    }
}

extension PlanEvaluator {
    /// The plan with every layer at W`bits`A`bits` by `method`, and its GPTQ weights.
    func uniform(_ method: QuantMethod, bits: Int) throws -> (plan: ResolvedQuantization, weights: Tensor) {
        let layer = try LayerQuantization.uniform(method, bits: bits)
        let plan = ResolvedQuantization.uniform(layer, config: config)
        if let weights = uniformWeights[layer] { return (plan, weights) }
        let weights = try prequantizedParameters(plan)
        uniformWeights[layer] = weights
        return (plan, weights)
    }

    /// Measured: the loss increase with only that layer quantized (its GPTQ weights calibrated
    /// with every layer quantized at those bits).
    public func measuredSensitivity(menu: [Int], method: QuantMethod) throws -> BitSensitivity {
        let full = loss(ResolvedQuantization(layers: [:]), prequantized: parameters, on: .calibration)
        var costs: [LinearID: [Int: Double]] = [:]
        for bits in menu {
            let (uniform, weights) = try self.uniform(method, bits: bits)
            for (id, layer) in uniform.layers {
                let alone = ResolvedQuantization(layers: [id: layer])
                costs[id, default: [:]][bits] = loss(alone, prequantized: weights, on: .calibration) - full
            }
        }
        return BitSensitivity(costs: costs)
    }

    /// ABC-guided: each layer's local error B (its input quantizer's and its own, with every
    /// layer at those bits) carried to the logits by the downstream gains (`transfer()`); their
    /// sum over layers predicts R at the logits.
    public func propagationSensitivity(menu: [Int], method: QuantMethod) throws -> BitSensitivity {
        var costs: [LinearID: [Int: Double]] = [:]
        for bits in menu {
            let (uniform, weights) = try self.uniform(method, bits: bits)
            let analyzer = try propagation(uniform, prequantized: weights, on: .calibration, separateInputs: true)
            let report = analyzer.report(step: 0), transfer = analyzer.transfer()
            for id in uniform.layers.keys {
                let names: Set = [id.parameterName, id.parameterName + ".input_quant"]
                costs[id, default: [:]][bits] = report.modules.indices.reduce(0) { sum, m in
                    names.contains(report.modules[m].name) ? sum + report.modules[m].b * transfer[m] : sum
                }
            }
        }
        return BitSensitivity(costs: costs)
    }

    /// HAWQ: the layer's mean Hessian trace tr(H)/n times the squared weight perturbation
    /// ‖Q_b(W) − W‖² (Dong et al. 2019, HAWQ; the trace form of HAWQ-V2, arXiv 1911.03852).
    /// Like HAWQ it sees the weights only; inputs are quantized at the same bits regardless. A
    /// negative trace estimate (a layer in a non-convex region, or estimator noise) counts as 0:
    /// HAWQ's ranking assumes a positive semi-definite Hessian.
    public func hessianSensitivity(menu: [Int], method: QuantMethod, traces: [LinearID: Double]) throws
        -> BitSensitivity {
        var costs: [LinearID: [Int: Double]] = [:]
        for bits in menu {
            let (uniform, weights) = try self.uniform(method, bits: bits)
            let quantized = Tensor(shape: weights.shape)
            quantized.copy(from: weights)
            layout.roundWeights(uniform.layers.compactMapValues(\.roundToNearest), in: quantized)
            for id in uniform.layers.keys {
                let info = layout.info(named: id.parameterName)!
                let p = quantized.data + info.offset
                var squared = 0.0
                for j in 0..<info.count {
                    let d = Double(p[j]) - Double(parameters.data[info.offset + j])
                    squared += d * d
                }
                costs[id, default: [:]][bits] = max(traces[id]!, 0) / Double(info.count) * squared
            }
        }
        return BitSensitivity(costs: costs)
    }

    /// Each block linear's Hessian trace tr(∂²L/∂W²) on the calibration batches, by Hutchinson's
    /// estimator E[vᵀHv] over `samples` Rademacher vectors v (one over all block linears at once:
    /// the cross-layer terms vanish in expectation), with Hv from central differences of the
    /// gradient, (∇L(θ + εv) − ∇L(θ − εv))/2ε, ε = 1% of the weights' RMS.
    public func hessianTraces(samples: Int = 8, batches: Int = 2, seed: UInt64 = 0x4A57) -> [LinearID: Double] {
        let ids = LinearID.all(in: config)
        let infos = ids.map { layout.info(named: $0.parameterName)! }
        var sumSquares = 0.0, count = 0
        for info in infos {
            for j in 0..<info.count { let w = Double(parameters.data[info.offset + j])
                sumSquares += w * w }
            count += info.count
        }
        let epsilon = Float(0.01 * (sumSquares / Double(count)).squareRoot())
        var random = RNG(seed: seed)
        let direction = Tensor(shape: parameters.shape)
        let plus = Tensor(shape: parameters.shape), minus = Tensor(shape: parameters.shape)
        var traces = [Double](repeating: 0, count: ids.count)
        model.setQuantPlan(nil)
        defer { model.parameters.copy(from: parameters) }
        for _ in 0..<samples {
            direction.zero()
            for info in infos {
                for j in 0..<info.count { direction.data[info.offset + j] = random.next() & 1 == 0 ? -1 : 1 }
            }
            gradient(at: epsilon, along: direction, batches: batches, into: plus)
            gradient(at: -epsilon, along: direction, batches: batches, into: minus)
            for (i, info) in infos.enumerated() {
                var vHv = 0.0
                for j in info.offset..<(info.offset + info.count) {
                    vHv += Double(direction.data[j]) * Double(plus.data[j] - minus.data[j])
                }
                traces[i] += vHv / (2 * Double(epsilon)) / Double(samples)
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(ids, traces))
    }

    /// The mean gradient over `batches` calibration batches at θ + step·direction, into `out`.
    private func gradient(at step: Float, along direction: Tensor, batches: Int, into out: Tensor) {
        for j in 0..<parameters.count { model.parameters.data[j] = parameters.data[j] + step * direction.data[j] }
        out.zero()
        for i in 0..<batches {
            fill(.calibration, index: i, of: batches)
            model.forward()
            model.backward()
            Kernels.add(model.gradients.data, into: out.data, count: out.count)
        }
        for j in 0..<out.count { out.data[j] /= Float(batches) }
    }
}
