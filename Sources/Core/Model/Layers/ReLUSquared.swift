/// The Primer activation relu(x)², used by the study's non-gated MLP.
public enum ReLUSquared {
    /// out (N·F) = max(x, 0)²
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let r = inp[i] > 0 ? inp[i] : 0
            out[i] = r * r
        }
    }

    /// dinp = dout · 2·max(x, 0)
    public static func backward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let r = inp[i] > 0 ? inp[i] : 0
            dinp[i] = 2 * r * dout[i]
        }
    }
}
