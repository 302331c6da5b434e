extension ModuleChain {
    /// Lays out the modules and slots in forward order (see the type's documentation) for `plan`.
    func build(plan: QuantPlan, separateInputs: Bool) {
        let c = config
        slotWidths = [c.width]
        func slot(_ width: Int) -> Int {
            slotWidths.append(width)
            return slotWidths.count - 1
        }
        func add(_ name: String, _ kind: ModuleKind, layer: Int?, inputs: [Int], width: Int, weight: String? = nil,
                 quantized: Bool = false) -> Int {
            let output = slot(width)
            modules.append(Module(name: name, kind: kind, layer: layer, inputs: inputs, output: output,
                                  weight: weight, isQuantized: quantized))
            return output
        }
        /// `input` behind `quantizer` (a new `name.input_quant` module), or `input` itself.
        func quantized(_ input: Int, by quantizer: RoundToNearest?, name: String, layer: Int?, width: Int) -> Int {
            guard let quantizer else { return input }
            inputQuantizers[modules.count] = quantizer
            return add(name + ".input_quant", .inputQuant, layer: layer, inputs: [input], width: width, quantized: true)
        }
        /// A linear layer, behind its input quantizer when the plan quantizes its input (unless
        /// `shared`: the input already went through a quantizer shared with other layers).
        func linear(_ prefix: String, _ kind: LinearKind, layer: Int, input: Int, inWidth: Int, outWidth: Int,
                    shared: Bool = false) -> Int {
            let name = prefix + kind.rawValue, id = LinearID(layer: layer, kind: kind)
            let source = shared ? input : quantized(input, by: plan.inputs[id], name: name, layer: layer, width: inWidth)
            return add(name, .linear, layer: layer, inputs: [source], width: outWidth, weight: name,
                       quantized: plan.weights[id] != nil || plan.prequantized.contains(id))
        }
        let qWidth = c.heads * c.headDim
        var x = 0
        for l in 0..<c.layers {
            let p = "blocks.\(l)."
            // q, k and v read one tensor: one shared input quantizer when they quantize it alike.
            let qkv: [LinearKind] = [.q, .k, .v]
            let quantizers = qkv.map { plan.inputs[LinearID(layer: l, kind: $0)] }
            let shared = !separateInputs && quantizers.allSatisfy { $0 == quantizers[0] }
            let source = shared ? quantized(x, by: quantizers[0], name: p + "attn.qkv", layer: l, width: c.width) : x
            let projections = qkv.map {
                linear(p + "attn.", $0, layer: l, input: source, inWidth: c.width,
                       outWidth: $0 == .q ? qWidth : c.kvWidth, shared: shared)
            }
            let q = projections[0], k = projections[1], v = projections[2]
            let core = add(p + "attn.core", .attention, layer: l, inputs: [q, k, v], width: qWidth)
            let o = linear(p + "attn.", .o, layer: l, input: core, inWidth: qWidth, outWidth: c.width)
            let attnNorm = add(p + "attn_norm", .norm, layer: l, inputs: [o], width: c.width, weight: p + "attn_norm.gain")
            let mid = add(p + "attn_residual", .residual, layer: l, inputs: [x, attnNorm], width: c.width)
            let up = linear(p + "mlp.", .up, layer: l, input: mid, inWidth: c.width, outWidth: c.mlpWidth)
            let act = add(p + "mlp.act", .activation, layer: l, inputs: [up], width: c.mlpWidth)
            let down = linear(p + "mlp.", .down, layer: l, input: act, inWidth: c.mlpWidth, outWidth: c.width)
            let mlpNorm = add(p + "mlp_norm", .norm, layer: l, inputs: [down], width: c.width, weight: p + "mlp_norm.gain")
            x = add(p + "mlp_residual", .residual, layer: l, inputs: [mid, mlpNorm], width: c.width)
        }
        let normed = add("norm", .norm, layer: nil, inputs: [x], width: c.width, weight: "norm.gain")
        let headInput = quantized(normed, by: plan.head.input, name: "head", layer: nil, width: c.width)
        _ = add("head", .head, layer: nil, inputs: [headInput], width: c.vocab, weight: "wte",
                quantized: plan.head.weight != nil)
        lastReader = Array(repeating: nil, count: slotWidths.count)
        for (i, module) in modules.enumerated() {
            for input in module.inputs { lastReader[input] = i }
        }
    }
}
