/// The weights and scratch a quant plan needs during `forward`.
final class QuantizedForward {
    let plan: QuantPlan
    /// A copy of every parameter with the planned linear weights fake-quantized.
    let weights: Tensor
    /// (N, max(C, F)) scratch for a quantized layer input.
    let input: Tensor
    /// (V, C) the tied table quantized for the head only, when the plan quantizes the head.
    let headWeights: Tensor?

    init(plan: QuantPlan, model: Transformer) {
        self.plan = plan
        weights = Tensor(shape: model.parameters.shape)
        weights.copy(from: model.parameters)
        input = Tensor(shape: [model.batch * model.seq, max(model.config.width, model.config.mlpWidth)])
        model.layout.roundWeights(plan.weights, in: weights)
        headWeights = plan.head.weight.map { quantizer in
            let info = model.layout.info(named: "wte")!
            let table = Tensor(shape: info.shape)
            quantizer.apply(model.parameters.data + info.offset, into: table.data, rows: info.shape[0],
                            cols: info.shape[1])
            return table
        }
    }
}

extension Transformer {
    /// Runs later forward passes with `plan` (nil: full precision). The weights are quantized
    /// now, from their current values; set the plan again after they change. Evaluation only:
    /// `backward` ignores the plan. Not for a QAT model, which already quantizes in `forward`.
    public func setQuantPlan(_ plan: QuantPlan?) {
        precondition(qat == nil, "a quant plan on a QAT model")
        quantizedForward = plan.flatMap { $0.isEmpty ? nil : QuantizedForward(plan: $0, model: self) }
    }

    /// The head's weight and input (N, C): the tied table and the final norm's output, or their
    /// quantized copies when the plan quantizes the head.
    func headOperands(table: UnsafePointer<Float>, normed: UnsafePointer<Float>)
        -> (weight: UnsafePointer<Float>, input: UnsafePointer<Float>) {
        guard let q = quantizedForward else { return (table, normed) }
        var input = normed
        if let quantizer = q.plan.head.input {
            quantizer.apply(normed, into: q.input.data, rows: batch * seq, cols: config.width)
            input = UnsafePointer(q.input.data)
        }
        return (q.headWeights.map { UnsafePointer($0.data) } ?? table, input)
    }

    /// The input linear layer `id` sees: `x` itself, or its per-token fake-quantized copy (QAT's
    /// or the plan's). The tap, if any, sees the full-precision input first.
    func linearInput(_ id: LinearID, _ x: UnsafePointer<Float>, width: Int) -> UnsafePointer<Float> {
        inputTap?(id, x, batch * seq, width)
        if qat != nil { return qatInput(id, x, width: width) }
        guard let q = quantizedForward, let quantizer = q.plan.inputs[id] else { return x }
        let rows = batch * seq
        quantizer.apply(x, into: q.input.data, rows: rows, cols: width)
        return UnsafePointer(q.input.data)
    }
}
