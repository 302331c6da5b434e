/// Softmax cross-entropy over the vocabulary, fused so the logits buffer becomes the probabilities.
public enum CrossEntropy {
    /// Turns logits (N, V) into probabilities in place, writes each position's loss into
    /// losses (N), and returns the mean loss (accumulated in Double).
    public static func forward(logits: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                               targets: UnsafePointer<Int32>, n: Int, v: Int) -> Double {
        var total: Double = 0
        for i in 0..<n {
            let z = logits + i * v
            let maxZ = Kernels.max(z, count: v)
            let zTarget = z[Int(targets[i])]
            let sum = Kernels.expShiftedInPlace(z, count: v, shift: maxZ)
            Kernels.scale(z, by: 1 / sum, count: v)
            let loss = Math.log(Double(sum)) + Double(maxZ - zTarget)
            losses[i] = Float(loss)
            total += loss
        }
        return total / Double(n)
    }

    /// dlogits (N, V) = (p − onehot(target)) / N, written over the probabilities.
    public static func backward(probs: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                n: Int, v: Int) {
        let scale = 1 / Float(n)
        for i in 0..<n {
            let p = probs + i * v
            p[Int(targets[i])] -= 1
            Kernels.scale(p, by: scale, count: v)
        }
    }
}
