extension ModuleChain {
    /// Lays out the modules and slots in forward order (see the type's documentation).
    func build(quantizeWeights: Bool, quantizeHead: Bool) {
        let c = config, quantizeInputs = inputQuantizer != nil
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
        /// A linear layer, behind its input quantizer when inputs are quantized.
        func linear(_ prefix: String, _ kind: LinearKind, layer: Int, input: Int, inWidth: Int, outWidth: Int) -> Int {
            let name = prefix + kind.rawValue
            var source = input
            if quantizeInputs {
                source = add(name + ".input_quant", .inputQuant, layer: layer, inputs: [input], width: inWidth,
                             quantized: true)
            }
            return add(name, .linear, layer: layer, inputs: [source], width: outWidth, weight: name,
                       quantized: quantizeWeights)
        }
        let qWidth = c.heads * c.headDim
        var x = 0
        for l in 0..<c.layers {
            let p = "blocks.\(l)."
            // q, k and v read one tensor: one shared input quantizer, then three projections.
            var shared = x
            if quantizeInputs {
                shared = add(p + "attn.qkv.input_quant", .inputQuant, layer: l, inputs: [x], width: c.width, quantized: true)
            }
            let q = add(p + "attn.q", .linear, layer: l, inputs: [shared], width: qWidth, weight: p + "attn.q",
                        quantized: quantizeWeights)
            let k = add(p + "attn.k", .linear, layer: l, inputs: [shared], width: c.kvWidth, weight: p + "attn.k",
                        quantized: quantizeWeights)
            let v = add(p + "attn.v", .linear, layer: l, inputs: [shared], width: c.kvWidth, weight: p + "attn.v",
                        quantized: quantizeWeights)
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
        _ = add("head", .head, layer: nil, inputs: [normed], width: c.vocab, weight: "wte", quantized: quantizeHead)
        lastReader = Array(repeating: nil, count: slotWidths.count)
        for (i, module) in modules.enumerated() {
            for input in module.inputs { lastReader[input] = i }
        }
    }
}
