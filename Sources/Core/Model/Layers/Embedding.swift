/// Token embedding lookup; its table is shared with the output head (tied weights).
public enum Embedding {
    /// out (N, C) = wte[tokens] with wte (V, C).
    public static func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                               wte: UnsafePointer<Float>, n: Int, c: Int) {
        for i in 0..<n {
            (out + i * c).update(from: wte + Int(tokens[i]) * c, count: c)
        }
    }

    /// dwte (V, C) += scatter of dout (N, C) by tokens. Accumulates: the head's gradient is
    /// already in dwte.
    public static func backward(dwte: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, n: Int, c: Int) {
        for i in 0..<n {
            Kernels.add(dout + i * c, into: dwte + Int(tokens[i]) * c, count: c)
        }
    }
}
