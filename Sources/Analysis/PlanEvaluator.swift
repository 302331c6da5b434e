import Core

/// What one quantization plan does to a model (docs/quantization.md §10.2).
public struct PlanEvaluation: Sendable {
    public let plan: ResolvedQuantization
    public let fullPrecisionLoss: Double
    public let quantizedLoss: Double
    /// The ABC decomposition per module, with R at the logits and the output KL divergence.
    public let propagation: PropagationReport
    public let footprint: QuantFootprint

    public var increase: Double { quantizedLoss - fullPrecisionLoss }
}

/// Evaluates quantization plans on one model's weights: the validation loss, the ABC
/// decomposition and the footprint of each, layer by layer (RTN, GPTQ or full precision).
///
/// Works on its own model and a copy of the weights, so the caller's parameters (a training
/// run's, say) are never touched. Not thread-safe: one evaluator per thread.
public final class PlanEvaluator {
    public let config: ModelConfig
    /// The weights as given, in layout order.
    public let parameters: Tensor
    let model: Transformer
    let sampler: BatchSampler
    /// Validation batches the loss averages over.
    public let evalBatches: Int
    /// Validation batches the decomposition averages over.
    public let propagationBatches: Int
    /// Training batches (past any run) GPTQ calibrates on.
    public let calibrationBatches: Int
    /// Validation batch i is batch i of this many (nil: of the count read), so a one-batch
    /// evaluator can read the live probe's calibration batch (`StudyProbe.evalBatchesDefault`).
    public let validationSplit: Int?
    private var fullPrecision: Double?
    /// GPTQ weights of uniform plans by their layer setting: each sensitivity reads them, and
    /// calibrating costs a pass over the model per block.
    var uniformWeights: [LayerQuantization: Tensor] = [:]

    /// An evaluator of a copy of `parameters` on `sampler`'s batches of (batch, seq).
    public init(config: ModelConfig, parameters: Tensor, batch: Int, seq: Int, sampler: BatchSampler,
                evalBatches: Int, propagationBatches: Int, calibrationBatches: Int = 8,
                validationSplit: Int? = nil) throws {
        self.config = config
        self.parameters = Tensor(shape: parameters.shape)
        self.parameters.copy(from: parameters)
        model = try Transformer(config: config, batch: batch, seq: seq)
        model.parameters.copy(from: parameters)
        self.sampler = sampler
        self.evalBatches = evalBatches
        self.propagationBatches = propagationBatches
        self.calibrationBatches = calibrationBatches
        self.validationSplit = validationSplit
    }

    /// An evaluator of the checkpoint `file` on `corpus`, with the run's batch shape and seed
    /// (the batches `qscope ptq` and `qscope analyze` use).
    public convenience init(file: Safetensors.File, path: String, corpus: Corpus, evalBatches: Int,
                            propagationBatches: Int, calibrationBatches: Int = 8) throws {
        let spec = try Checkpoint.spec(of: file, path: path)
        let layout = ParameterLayout(config: spec.model)
        let parameters = Tensor(shape: [layout.totalCount])
        try Checkpoint.loadParameters(file, path: path, layout: layout, into: parameters)
        let sampler = try BatchSampler(corpus: corpus, batch: spec.batch, seq: spec.seq, seed: spec.seed)
        try self.init(config: spec.model, parameters: parameters, batch: spec.batch, seq: spec.seq, sampler: sampler,
                      evalBatches: evalBatches, propagationBatches: propagationBatches,
                      calibrationBatches: calibrationBatches)
    }

    public var layout: ParameterLayout { model.layout }

    /// The validation loss in full precision (measured once, on the batches plans are measured on).
    public var fullPrecisionLoss: Double {
        if let fullPrecision { return fullPrecision }
        let loss = self.loss(ResolvedQuantization(layers: [:]), prequantized: parameters)
        fullPrecision = loss
        return loss
    }

    /// The weights with `plan`'s GPTQ layers quantized (calibrated with the earlier blocks
    /// quantized as planned); every other weight exact, since the forward plan rounds RTN layers.
    public func prequantizedParameters(_ plan: ResolvedQuantization) throws -> Tensor {
        let gptq = plan.gptqLayers
        guard !gptq.isEmpty else { return parameters }
        return try PTQ.gptqParameters(model: model, sampler: sampler, layers: gptq,
                                      rtn: plan.layers.compactMapValues(\.roundToNearest), batches: calibrationBatches)
    }

    /// Every planned weight fake-quantized (RTN and GPTQ), as `--save` writes them.
    public func quantizedWeights(_ plan: ResolvedQuantization) throws -> Tensor {
        let weights = Tensor(shape: parameters.shape)
        weights.copy(from: try prequantizedParameters(plan))
        layout.roundWeights(plan.layers.compactMapValues(\.roundToNearest), in: weights)
        return weights
    }

    /// Which batches a measurement reads.
    public enum Batches: Sendable {
        /// The validation batches: what plans are judged on.
        case validation
        /// Training batches past any run (GPTQ's): what an allocation is fitted on, so that its
        /// plans are judged on batches they were not chosen on.
        case calibration
    }

    /// Fills the model's tokens with batch `index` of `count` from `batches`.
    func fill(_ batches: Batches, index: Int, of count: Int) {
        switch batches {
        case .validation:
            sampler.fillValidation(index: index, of: validationSplit ?? count, tokens: model.tokens, targets: model.targets)
        case .calibration:
            sampler.fillTraining(step: PTQ.calibrationStep + index, tokens: model.tokens, targets: model.targets)
        }
    }

    /// The mean loss under `plan` (weights from `prequantizedParameters(plan)`) over
    /// `evalBatches` of `batches`.
    public func loss(_ plan: ResolvedQuantization, prequantized: Tensor, on batches: Batches = .validation) -> Double {
        model.parameters.copy(from: prequantized)
        defer {
            model.setQuantPlan(nil)
            model.parameters.copy(from: parameters)
        }
        model.setQuantPlan(plan.runtimePlan)
        var total = 0.0
        for i in 0..<evalBatches {
            fill(batches, index: i, of: evalBatches)
            total += model.forward()
        }
        return total / Double(evalBatches)
    }

    /// The ABC decomposition of `plan` on the first `propagationBatches` validation batches;
    /// `separateInputs` gives q, k and v an input quantizer each.
    public func propagation(_ plan: ResolvedQuantization, prequantized: Tensor, on batches: Batches = .validation,
                            separateInputs: Bool = false) throws -> PropagationAnalyzer {
        let chain = ModuleChain(config: config, parameters: parameters, batch: model.batch, seq: model.seq,
                                plan: plan.runtimePlan, quantizedParameters: prequantized,
                                separateInputs: separateInputs)
        let analyzer = try PropagationAnalyzer(chain: chain)
        for i in 0..<propagationBatches {
            fill(batches, index: i, of: propagationBatches)
            analyzer.accumulate(tokens: model.tokens.baseAddress!)
        }
        return analyzer
    }

    /// Loss, decomposition and footprint of `plan`.
    public func evaluate(_ plan: ResolvedQuantization) throws -> PlanEvaluation {
        let prequantized = try prequantizedParameters(plan)
        let full = fullPrecisionLoss
        let quantized = loss(plan, prequantized: prequantized)
        let analyzer = try propagation(plan, prequantized: prequantized)
        return PlanEvaluation(plan: plan, fullPrecisionLoss: full, quantizedLoss: quantized,
                              propagation: analyzer.report(step: 0), footprint: plan.footprint(layout: layout))
    }
}
