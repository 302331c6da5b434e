import Core

extension PropagationAnalyzer {
    /// For each module, how much of a unit of relative squared error added at its output
    /// reaches the logits (docs/quantization.md §11.2).
    ///
    /// Linearising R_out = G·R_in + B over the chain's slot graph, where a module reading
    /// several slots sees R_in = Σ_s w_s·R_s with w_s each input's mean share of the squared
    /// norm, gives T(logits) = 1 and T(s) = Σ over the modules j reading slot s of
    /// G_j·w_{j,s}·T(output of j). On a plain chain this is the product of the downstream gains
    /// (the paper's R_L ≈ Σ_ℓ B_ℓ·Π_{j>ℓ} G_j); at a residual add it splits the error between the
    /// skip path and the branch, so no path is counted twice. A module whose input carried no
    /// error has no measured gain and passes error on unchanged (G = 1).
    public func transfer() -> [Double] {
        let report = self.report(step: 0)
        var slotTransfer = [Double](repeating: 0, count: chain.slotWidths.count)
        var moduleTransfer = [Double](repeating: 0, count: chain.modules.count)
        for i in chain.modules.indices.reversed() {
            let module = chain.modules[i]
            let downstream = i == chain.modules.count - 1 ? 1 : slotTransfer[module.output]
            moduleTransfer[i] = downstream
            let gain = report.modules[i].gain ?? 1
            for (input, slot) in module.inputs.enumerated() {
                slotTransfer[slot] += gain * inputShare(i, input) * downstream
            }
        }
        return moduleTransfer
    }
}
