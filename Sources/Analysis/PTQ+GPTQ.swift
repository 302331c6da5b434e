import Core

extension PTQ {
    /// How the linear weights are quantized after training.
    public enum WeightQuantization: Sendable {
        case rtn(RoundToNearest)
        /// GPTQ calibrated on `calibrationBatches` training batches.
        case gptq(GPTQ, calibrationBatches: Int)
    }

    /// The model's parameters with every block linear's weight quantized by GPTQ, calibrated
    /// sequentially as the reference does: block l's inputs come from the model whose blocks
    /// < l are already quantized (weights only; inputs stay exact during calibration).
    ///
    /// Calibration batches are training batches far past any run's steps, so they are fixed and
    /// independent of the validation batches the loss is measured on.
    static func gptqParameters(model: Transformer, sampler: BatchSampler, gptq: GPTQ, batches: Int) throws -> Tensor {
        let all = Dictionary(uniqueKeysWithValues: LinearID.all(in: model.config).map { ($0, gptq) })
        return try gptqParameters(model: model, sampler: sampler, layers: all, batches: batches)
    }

    /// The same for a mixed plan: each of `layers` by its own GPTQ. The `rtn` layers' weights are
    /// rounded to nearest while calibrating, so the blocks after them see them quantized, but
    /// come back exact (the forward plan rounds them); only the GPTQ layers differ in the result.
    public static func gptqParameters(model: Transformer, sampler: BatchSampler, layers: [LinearID: GPTQ],
                                      rtn: [LinearID: RoundToNearest] = [:], batches: Int) throws -> Tensor {
        let original = Tensor(shape: model.parameters.shape)
        original.copy(from: model.parameters)
        defer { model.parameters.copy(from: original) }
        model.layout.roundWeights(rtn, in: model.parameters)
        for layer in Set(layers.keys.map(\.layer)).sorted() {
            let ids = LinearKind.allCases.map { LinearID(layer: layer, kind: $0) }.filter { layers[$0] != nil }
            var inputs: [LinearID: [Float]] = [:]
            model.inputTap = { id, x, rows, cols in
                guard layers[id] != nil, id.layer == layer else { return }
                inputs[id, default: []].append(contentsOf: UnsafeBufferPointer(start: x, count: rows * cols))
            }
            for i in 0..<batches {
                sampler.fillTraining(step: calibrationStep + i, tokens: model.tokens, targets: model.targets)
                model.forward()
            }
            model.inputTap = nil
            for id in ids {
                let info = model.layout.info(named: id.parameterName)!
                let rows = info.shape[0], cols = info.shape[1]
                let slice = UnsafeMutableBufferPointer(start: model.parameters.data + info.offset, count: rows * cols)
                let calibration = inputs[id]!
                var quantized: [Float] = []
                try layers[id]!.quantize(weight: Array(slice), rows: rows, columns: cols, calibration: calibration,
                                         samples: calibration.count / cols, into: &quantized)
                _ = slice.update(from: quantized)
            }
        }
        let result = Tensor(shape: model.parameters.shape)
        result.copy(from: model.parameters)
        for id in rtn.keys {
            let info = model.layout.info(named: id.parameterName)!
            (result.data + info.offset).update(from: original.data + info.offset, count: info.count)
        }
        return result
    }

    /// The first training step used for calibration: beyond any run, so never a training batch.
    static let calibrationStep = 1 << 40
}
