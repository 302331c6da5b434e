/// A bias-free linear layer in PyTorch's layout: y = x·Wᵀ with W (out, in).
public enum Linear {
    /// out (N, O) = inp (N, I) · wᵀ, w (O, I).
    @inline(__always)
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, n: Int, inFeatures: Int,
                               outFeatures: Int, matmul: Matmul = .fp32) {
        matmul.abt(inp, weight, out, m: n, n: outFeatures, k: inFeatures)
    }

    /// dinp (N, I) (+)= dout · w and dweight (O, I) (+)= doutᵀ · inp.
    ///
    /// `accumulateInput` adds into `dinp` (for q, k, v, which share one input); the weight
    /// gradient is overwritten unless `accumulateWeight` (the tied head and embedding share one).
    @inline(__always)
    public static func backward(dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, n: Int, inFeatures: Int,
                                outFeatures: Int, accumulateInput: Bool = false,
                                accumulateWeight: Bool = false, matmul: Matmul = .fp32) {
        if let dinp {
            matmul.ab(dout, weight, dinp, m: n, n: inFeatures, k: outFeatures,
                          accumulate: accumulateInput)
        }
        matmul.atb(dout, inp, dweight, m: outFeatures, n: inFeatures, k: n,
                       accumulate: accumulateWeight)
    }
}
