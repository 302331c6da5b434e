import Core

/// Post-training quantization of a checkpoint: validation loss in full precision, with every
/// planned linear layer quantized, and with one layer quantized at a time.
public enum PTQ {
    public struct Report: Sendable {
        public let fullPrecisionLoss: Double
        public let quantizedLoss: Double
        /// The validation loss with only that layer quantized, in forward order.
        public let perLayer: [(layer: LinearID, loss: Double)]
        /// Outlier statistics of each layer's full-precision input on the first validation batch.
        public let inputStats: [LinearID: OutlierStats]
        /// Outlier statistics of each layer's weight (rows are output channels).
        public let weightStats: [LinearID: OutlierStats]
        /// The validation loss with only the head quantized, when the head was included.
        public let headOnlyLoss: Double?

        public var increase: Double { quantizedLoss - fullPrecisionLoss }
    }

    /// Evaluates `file`'s model on `evalBatches` validation batches of `corpus` with weights and
    /// inputs of every block linear quantized by `weight` and `input` (nil: full precision).
    public static func run(file: Safetensors.File, path: String, corpus: Corpus, weight: RoundToNearest?,
                           input: RoundToNearest?, evalBatches: Int, perLayer: Bool) throws -> Report {
        try run(file: file, path: path, corpus: corpus, weights: weight.map { .rtn($0) }, input: input,
                evalBatches: evalBatches, perLayer: perLayer)
    }

    /// The same with the weights quantized by RTN or GPTQ (`weights` nil: full precision) and,
    /// with `quantizeHead`, the tied head too (its weight by round to nearest at the same bits).
    public static func run(file: Safetensors.File, path: String, corpus: Corpus, weights: WeightQuantization?,
                           input: RoundToNearest?, quantizeHead: Bool = false, evalBatches: Int,
                           perLayer: Bool) throws -> Report {
        let config = try Checkpoint.spec(of: file, path: path)
        let model = try Transformer(config: config.model, batch: config.batch, seq: config.seq)
        try Checkpoint.loadParameters(file, path: path, layout: model.layout, into: model.parameters)
        let sampler = try BatchSampler(corpus: corpus, batch: config.batch, seq: config.seq, seed: config.seed)
        return try evaluate(model: model, sampler: sampler, weights: weights, input: input, quantizeHead: quantizeHead,
                            evalBatches: evalBatches, perLayer: perLayer)
    }

    /// The same on `model` as it stands (with GPTQ its parameters are changed during the call
    /// and restored), with `sampler`'s validation batches, and its training batches for GPTQ.
    public static func evaluate(model: Transformer, sampler: BatchSampler, weights: WeightQuantization?,
                                input: RoundToNearest?, quantizeHead: Bool = false, evalBatches: Int,
                                perLayer: Bool) throws -> Report {
        let layers = LinearID.all(in: model.config)
        var gptqWeights: Tensor?
        if case .gptq(let gptq, let batches) = weights {
            gptqWeights = try gptqParameters(model: model, sampler: sampler, gptq: gptq, batches: batches)
        }
        // Only GPTQ writes into the parameters: keep the exact ones to put back.
        let exact = gptqWeights.map { _ in Tensor(shape: model.parameters.shape) }
        exact?.copy(from: model.parameters)
        var headWeight: RoundToNearest?
        switch weights {
        case .rtn(let rtn)?: headWeight = rtn
        case .gptq(let gptq, _)?: headWeight = try RoundToNearest(bits: gptq.bits)
        case nil: headWeight = nil
        }
        /// The loss with `quantized` layers' weights and inputs quantized, and the head with `head`.
        func loss(_ quantized: [LinearID], head: Bool = false) -> Double {
            var plan = QuantPlan.uniform(quantized, weight: nil, input: input)
            if case .rtn(let rtn) = weights { plan = .uniform(quantized, weight: rtn, input: input) }
            if head { plan = plan.withHead(weight: headWeight, input: input) }
            if let gptqWeights {
                for id in quantized {
                    let info = model.layout.info(named: id.parameterName)!
                    (model.parameters.data + info.offset).update(from: gptqWeights.data + info.offset, count: info.count)
                }
            }
            // An empty plan runs on the parameters themselves, so the exact ones return only after.
            defer { exact.map { model.parameters.copy(from: $0) } }
            model.setQuantPlan(plan)
            return model.validationLoss(sampler, batches: evalBatches)
        }
        var inputStats: [LinearID: OutlierStats] = [:]
        model.inputTap = { id, x, rows, cols in inputStats[id] = OutlierStats(x, rows: rows, cols: cols) }
        sampler.fillValidation(index: 0, of: evalBatches, tokens: model.tokens, targets: model.targets)
        model.forward()
        model.inputTap = nil
        let weightStats = Dictionary(uniqueKeysWithValues: layers.map { id in
            let info = model.layout.info(named: id.parameterName)!
            return (id, OutlierStats(model.parameters.data + info.offset, rows: info.shape[0], cols: info.shape[1]))
        })
        let full = loss([])
        let quantized = loss(layers, head: quantizeHead)
        let each = perLayer ? layers.map { ($0, loss([$0])) } : []
        return Report(fullPrecisionLoss: full, quantizedLoss: quantized, perLayer: each, inputStats: inputStats,
                      weightStats: weightStats, headOnlyLoss: quantizeHead ? loss([], head: true) : nil)
    }
}
