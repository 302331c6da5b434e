/// RMSNorm with a learned gain: y = x / sqrt(mean(x²) + eps) ⊙ g.
public enum RMSNorm {
    /// out (N, C), rstd (N) = 1/sqrt(mean(x²) + eps) from inp (N, C) and gain (C).
    public static func forward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, gain: UnsafePointer<Float>,
                               n: Int, c: Int, eps: Float) {
        for i in 0..<n {
            let x = inp + i * c, y = out + i * c
            let r = 1 / (Kernels.dot(x, x, count: c) / Float(c) + eps).squareRoot()
            rstd[i] = r
            for j in 0..<c { y[j] = x[j] * r * gain[j] }
        }
    }

    /// dinp (N, C) += ∂L/∂x and dgain (C) += Σₙ dout ⊙ x̂, given dout (N, C).
    ///
    /// With x̂ = x·r: dx = r·(dx̂ − x̂·mean(dx̂ ⊙ x̂)), where dx̂ = dout ⊙ g. Accumulating into
    /// `dinp` lets the caller pass the residual stream's gradient directly.
    public static func backward(dinp: UnsafeMutablePointer<Float>, dgain: UnsafeMutablePointer<Float>,
                                dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                                gain: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                n: Int, c: Int) {
        for i in 0..<n {
            let x = inp + i * c, dy = dout + i * c, dx = dinp + i * c
            let r = rstd[i]
            var dot: Float = 0
            for j in 0..<c { dot += dy[j] * gain[j] * x[j] }
            let meanDot = dot * r / Float(c)
            for j in 0..<c {
                let xhat = x[j] * r
                dgain[j] += dy[j] * xhat
                dx[j] += r * (dy[j] * gain[j] - xhat * meanDot)
            }
        }
    }
}
