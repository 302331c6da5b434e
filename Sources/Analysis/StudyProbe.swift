import Core

/// The live measurements of a training run (issue: "live per-layer statistics"): every
/// `interval` steps, on a small fixed calibration batch, each linear layer's input outlier
/// statistics and W4A4 error, the ABC decomposition with R_L, and the W4A4 RTN PTQ loss.
///
/// Runs on the trainer's thread between steps, on its own single-sequence-batch model that
/// shares the trainer's parameters (read only). Buffers are allocated once, except the
/// propagation analyzer's, which is rebuilt per measurement because its quantized weights are
/// a snapshot of the current ones.
public final class StudyProbe: TrainingProbe {
    public let interval: Int
    private let model: Transformer
    private let parameters: Tensor
    private let sampler: BatchSampler
    private let evalBatches: Int
    private let weight: RoundToNearest
    private let input: RoundToNearest
    private let layerIDs: [LinearID]
    private let scratch: LayerErrorScratch

    /// A probe for a run of `config` whose parameters are `parameters`, every
    /// `config.statsEvery` steps (> 0), measuring on `sequences` validation sequences
    /// (calibration) and `evalBatches` batches of them (PTQ).
    public init(config: RunSpec, parameters: Tensor, corpus: Corpus, sequences: Int = 4,
                evalBatches: Int = evalBatchesDefault, bits: Int = 4, actBits: Int = 4) throws {
        guard config.statsEvery > 0 else {
            throw RunSpecError(field: .statsEvery, problem: "must be positive for a probe (0 turns it off)")
        }
        interval = config.statsEvery
        self.parameters = parameters
        model = try Transformer(config: config.model, batch: sequences, seq: config.seq, sharing: parameters)
        sampler = try BatchSampler(corpus: corpus, batch: sequences, seq: config.seq, seed: config.seed)
        self.evalBatches = evalBatches
        weight = try RoundToNearest(bits: bits)
        input = try RoundToNearest(bits: actBits)
        layerIDs = LinearID.all(in: config.model)
        scratch = LayerErrorScratch(config: config.model, rows: sequences * config.seq)
    }

    /// The probe of every run that measures (`statsEvery` > 0), for `RunSession`.
    public static let factory: ProbeFactory = { spec, parameters, corpus in
        spec.statsEvery > 0 ? try StudyProbe(config: spec, parameters: parameters, corpus: corpus) : nil
    }

    public func measure(step: Int, thorough: Bool) -> ProbeReport {
        var summary = ptq(step: step)
        if thorough { summary.gptq = gptqLoss() }
        return ProbeReport(layers: layerReport(step: step), propagation: propagation(step: step), ptq: summary)
    }

    /// Outlier statistics and the W4A4 error of every linear layer on calibration batch 0.
    private func layerReport(step: Int) -> LayerReport {
        var rows: [LinearID: [LayerMetric: Double]] = [:]
        model.setQuantPlan(nil)
        model.inputTap = { [self] id, x, n, cols in
            let stats = OutlierStats(x, rows: n, cols: cols)
            let info = model.layout.info(named: id.parameterName)!
            let error = scratch.quantizationError(x: x, rows: n, weight: parameters.data + info.offset,
                                                  outFeatures: info.shape[0], inFeatures: cols,
                                                  weightQuantizer: weight, inputQuantizer: input)
            rows[id] = [.mmr: stats.mmr, .kurtosis: stats.kurtosis, .rmsKurtosis: stats.rmsKurtosis, .rms: stats.rms,
                        .absmax: stats.absmax, .quantError: error]
        }
        sampler.fillValidation(index: 0, of: evalBatches, tokens: model.tokens, targets: model.targets)
        model.forward()
        model.inputTap = nil
        return LayerReport(step: step, layers: layerIDs.map(\.parameterName), rows: layerIDs.map { rows[$0]! })
    }

    private func propagation(step: Int) -> PropagationReport? {
        guard let analyzer = try? PropagationAnalyzer(config: model.config, parameters: parameters, batch: model.batch,
                                                      seq: model.seq, weight: weight, input: input) else { return nil }
        sampler.fillValidation(index: 0, of: evalBatches, tokens: model.tokens, targets: model.targets)
        analyzer.accumulate(tokens: model.tokens.baseAddress!)
        return analyzer.report(step: step)
    }

    /// The W4A4 loss with GPTQ weights (calibrated on `gptqCalibrationBatches` training batches)
    /// and RTN inputs, on a private copy of the model so the run's weights are never touched.
    private func gptqLoss() -> Double? {
        guard let gptq = try? GPTQ(bits: weight.bits, symmetric: true),
              let copy = try? Transformer(config: model.config, batch: model.batch, seq: model.seq) else { return nil }
        copy.parameters.copy(from: parameters)
        let report = try? PTQ.evaluate(model: copy, sampler: sampler,
                                       weights: .gptq(gptq, calibrationBatches: Self.gptqCalibrationBatches),
                                       input: input, evalBatches: evalBatches, perLayer: false)
        return report?.quantizedLoss
    }

    /// The probe's validation batches; batch 0 of them is its calibration batch.
    public static let evalBatchesDefault = 4

    /// Calibration batches for GPTQ: 8 of 4 sequences, 4K tokens.
    static let gptqCalibrationBatches = 8

    private func ptq(step: Int) -> PTQSummary {
        func loss(_ plan: QuantPlan?) -> Double {
            model.setQuantPlan(plan)
            return model.validationLoss(sampler, batches: evalBatches)
        }
        let full = loss(nil)
        let rtn = loss(.uniform(layerIDs, weight: weight, input: input))
        model.setQuantPlan(nil)
        return PTQSummary(step: step, fullPrecision: full, rtn: rtn)
    }
}

/// Buffers for one linear layer's quantization error, sized for the widest layer.
final class LayerErrorScratch {
    private let exact: Tensor       // (N, max out)
    private let quantized: Tensor   // (N, max out)
    private let input: Tensor       // (N, max in)
    private let weight: Tensor      // (max out · max in)

    init(config: ModelConfig, rows: Int) {
        let widest = max(config.width, config.mlpWidth, config.heads * config.headDim)
        exact = Tensor(shape: [rows, widest])
        quantized = Tensor(shape: [rows, widest])
        input = Tensor(shape: [rows, widest])
        weight = Tensor(shape: [widest * widest])
    }

    /// Mean over tokens of ‖Q(x)·Q(W)ᵀ − x·Wᵀ‖² / ‖x·Wᵀ‖²: the layer's own W4A4 error on its
    /// exact input.
    func quantizationError(x: UnsafePointer<Float>, rows: Int, weight w: UnsafePointer<Float>, outFeatures: Int,
                           inFeatures: Int, weightQuantizer: RoundToNearest, inputQuantizer: RoundToNearest) -> Double {
        weightQuantizer.apply(w, into: weight.data, rows: outFeatures, cols: inFeatures)
        inputQuantizer.apply(x, into: input.data, rows: rows, cols: inFeatures)
        Linear.forward(out: exact.data, inp: x, weight: w, n: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        Linear.forward(out: quantized.data, inp: input.data, weight: weight.data, n: rows, inFeatures: inFeatures,
                       outFeatures: outFeatures)
        var total = 0.0, counted = 0
        for t in 0..<rows {
            var e = 0.0, s = 0.0
            for j in (t * outFeatures)..<((t + 1) * outFeatures) {
                let y = Double(exact.data[j]), d = Double(quantized.data[j]) - y
                e += d * d
                s += y * y
            }
            if s > 0 {
                total += e / s
                counted += 1
            }
        }
        return counted > 0 ? total / Double(counted) : 0
    }
}
