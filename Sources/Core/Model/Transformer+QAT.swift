/// The fake-quantized weights of a QAT model: computed from the parameters before each forward
/// pass and read by every data-parallel shard, so a step quantizes them once, not once per shard.
final class QATWeights {
    let plan: QATPlan
    /// Every parameter, each block linear's weight replaced by its fake-quantized value (in the
    /// Hadamard basis for QuEST): what the forward and backward passes multiply by.
    let values: Tensor
    /// The weight quantizer's masks at the parameters' offsets (block linears only); nil when it
    /// keeps none.
    let masks: Tensor?
    /// The block linears, quantized per output row, and everything else, copied as is.
    private let linears: [ParameterInfo]
    private let others: [ParameterInfo]

    /// Buffers for `config`'s parameters; throws if a quantizer cannot take some linear's width.
    init(plan: QATPlan, config: ModelConfig) throws {
        try plan.check(config)
        let layout = ParameterLayout(config: config)
        let names = Set(LinearID.all(in: config).map(\.parameterName))
        linears = layout.parameters.filter { names.contains($0.name) }
        others = layout.parameters.filter { !names.contains($0.name) }
        self.plan = plan
        values = Tensor(shape: [layout.totalCount])
        masks = plan.weights.usesMask ? Tensor(shape: [layout.totalCount]) : nil
    }

    /// Part `part` of `parts` of quantizing `parameters` into `values`: the parts touch disjoint
    /// tensors, so shards can run them at once.
    func refresh(from parameters: Tensor, part: Int = 0, of parts: Int = 1) {
        for (i, p) in linears.enumerated() where i % parts == part {
            plan.weights.qatForward(parameters.data + p.offset, into: values.data + p.offset,
                                    mask: masks.map { $0.data + p.offset }, rows: p.shape[0], cols: p.shape[1])
        }
        guard part == parts - 1 else { return }
        for p in others { (values.data + p.offset).update(from: parameters.data + p.offset, count: p.count) }
    }

    /// ∂loss/∂W (rows, cols) of the linear at `offset` from ∂loss/∂(its fake-quantized weight),
    /// in place in `dweight`.
    func backward(_ dweight: UnsafeMutablePointer<Float>, offset: Int, rows: Int, cols: Int) {
        plan.weights.qatBackward(dweight, mask: masks.map { UnsafePointer($0.data + offset) }, rows: rows, cols: cols)
    }
}

/// A model's QAT weights and whether its own forward pass refreshes them (false for a shard,
/// whose `DataParallelModel` refreshes them once for all shards).
struct QATState {
    let weights: QATWeights
    let refreshes: Bool
}

extension Transformer {
    /// Trains and evaluates with `plan` fake-quantizing every block linear's weight and input,
    /// with the quantizer's gradient in `backward`; nil: full precision. Replaces any quant plan.
    public func setQAT(_ plan: QATPlan?) throws {
        setQAT(try plan.map { try QATWeights(plan: $0, config: config) }, refreshes: true)
    }

    /// QAT with `weights` (possibly shared with other shards); nil: full precision.
    func setQAT(_ weights: QATWeights?, refreshes: Bool) {
        quantizedForward = nil
        qat = weights.map { QATState(weights: $0, refreshes: refreshes) }
        acts.qat = weights.map { QATActivations(config: config, batch: batch, seq: seq, masks: $0.plan.inputs.usesMask) }
    }

    /// The fake-quantized input linear `id` multiplies, computed from `x` (N, width). k and v
    /// read the same x as q, which the forward pass quantizes first, so they reuse its result.
    func qatInput(_ id: LinearID, _ x: UnsafePointer<Float>, width: Int) -> UnsafePointer<Float> {
        let slot = acts.qat!.blocks[id.layer][id.kind]
        if id.kind != .k && id.kind != .v {
            qat!.weights.plan.inputs.qatForward(x, into: slot.values.data, mask: slot.mask?.data,
                                                rows: batch * seq, cols: width)
        }
        return UnsafePointer(slot.values.data)
    }

    /// The input `backward` pairs with linear `id`'s output gradient: `x` itself in full
    /// precision, else the fake-quantized copy the forward pass multiplied.
    func savedInput(_ id: LinearID, _ x: UnsafePointer<Float>) -> UnsafePointer<Float> {
        guard let slot = acts.qat?.blocks[id.layer][id.kind] else { return x }
        return UnsafePointer(slot.values.data)
    }

    /// ∂loss/∂W (out, in) of linear `id` from ∂loss/∂(fake-quantized W), in place; a no-op in
    /// full precision.
    func qatWeightBackward(_ id: LinearID, _ dweight: UnsafeMutablePointer<Float>, offset: Int, rows: Int, cols: Int) {
        qat?.weights.backward(dweight, offset: offset, rows: rows, cols: cols)
    }

    /// ∂loss/∂x (N, width) of linear `id`'s input from d = ∂loss/∂(fake-quantized input), in
    /// place, then added into `accumulate` if given; a no-op in full precision.
    func qatInputBackward(_ id: LinearID, _ d: UnsafeMutablePointer<Float>, width: Int,
                          accumulate: UnsafeMutablePointer<Float>? = nil) {
        guard let qat, let slot = acts.qat?.blocks[id.layer][id.kind] else { return }
        qat.weights.plan.inputs.qatBackward(d, mask: slot.mask.map { UnsafePointer($0.data) }, rows: batch * seq, cols: width)
        if let accumulate { Kernels.add(d, into: accumulate, count: batch * seq * width) }
    }
}
