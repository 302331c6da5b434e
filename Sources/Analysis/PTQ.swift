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

        public var increase: Double { quantizedLoss - fullPrecisionLoss }
    }

    /// Evaluates `file`'s model on `evalBatches` validation batches of `corpus` with weights and
    /// inputs of every block linear quantized by `weight` and `input` (nil: full precision).
    public static func run(file: Safetensors.File, path: String, corpus: Corpus, weight: RoundToNearest?,
                           input: RoundToNearest?, evalBatches: Int, perLayer: Bool) throws -> Report {
        let config = try Checkpoint.config(of: file, path: path)
        let model = try Transformer(config: config.model, batch: config.batch, seq: config.seq)
        try Checkpoint.loadParameters(file, path: path, layout: model.layout, into: model.parameters)
        let sampler = try BatchSampler(corpus: corpus, batch: config.batch, seq: config.seq, seed: config.seed)
        func loss(_ plan: QuantPlan?) -> Double {
            model.setQuantPlan(plan)
            var total = 0.0
            for i in 0..<evalBatches {
                sampler.fillValidation(index: i, of: evalBatches, tokens: model.tokens, targets: model.targets)
                total += model.forward()
            }
            return total / Double(evalBatches)
        }
        let layers = LinearID.all(in: config.model)
        var inputStats: [LinearID: OutlierStats] = [:]
        model.inputTap = { id, x, rows, cols in inputStats[id] = OutlierStats(x, rows: rows, cols: cols) }
        sampler.fillValidation(index: 0, of: evalBatches, tokens: model.tokens, targets: model.targets)
        model.forward()
        model.inputTap = nil
        let weightStats = Dictionary(uniqueKeysWithValues: layers.map { id in
            let info = model.layout.info(named: id.parameterName)!
            return (id, OutlierStats(model.parameters.data + info.offset, rows: info.shape[0], cols: info.shape[1]))
        })
        let full = loss(nil)
        let quantized = loss(.uniform(layers, weight: weight, input: input))
        let each = perLayer ? layers.map { ($0, loss(.uniform([$0], weight: weight, input: input))) } : []
        return Report(fullPrecisionLoss: full, quantizedLoss: quantized, perLayer: each, inputStats: inputStats,
                      weightStats: weightStats)
    }
}
