/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
/// Regularization", ICLR 2019), exactly as `torch.optim.AdamW` (docs/optimizers.md §3).
///
///     p ← p·(1 − lr·wd)
///     m ← β1·m + (1 − β1)·g
///     v ← β2·v + (1 − β2)·g²
///     p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// The study's defaults: β = (0.9, 0.95), ε = 1e-8, weight decay 0 (docs/optimizers.md §3).
public struct AdamW: UpdateRule {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float
    public var weightDecay: Float

    public init(beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        [StateSlot("exp_avg", shape: parameter.shape), StateSlot("exp_avg_sq", shape: parameter.shape)]
    }

    public func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        let m = state.tensors[0].data, v = state.tensors[1].data
        let t = Double(state.step)
        let bc1 = 1 - Math.pow(Double(beta1), t)
        let invBc2Sqrt = Float(1 / (1 - Math.pow(Double(beta2), t)).squareRoot())
        let stepSize = Float(Double(lr) / bc1)
        let decay = 1 - lr * weightDecay
        let b1 = beta1, b2 = beta2, eps = eps
        // SIMD8 by hand: with four pointers the compiler cannot prove apart, it leaves the loop
        // scalar, and a scalar sqrt and divide per element made this 3x slower.
        let n = p.count, pp = p.baseAddress!, gp = g.baseAddress!
        var i = 0
        while i + 8 <= n {
            let gi = UnsafeRawPointer(gp + i).loadUnaligned(as: SIMD8<Float>.self)
            let mi = b1 * UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Float>.self) + (1 - b1) * gi
            let vi = b2 * UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self) + (1 - b2) * gi * gi
            let pi = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD8<Float>.self)
            let update = pi * decay - stepSize * mi / (vi.squareRoot() * invBc2Sqrt + eps)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(pp + i).storeBytes(of: update, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let gi = gp[i]
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            pp[i] = pp[i] * decay - stepSize * m[i] / (v[i].squareRoot() * invBc2Sqrt + eps)
            i += 1
        }
    }
}

extension AdamW {
    /// AdamW from reference-named hyperparameters (`betas` or `momentum`, `eps`, `weight_decay`),
    /// defaulting to the study's β = (0.9, 0.95), ε = 1e-8, no weight decay.
    public init(hyper: Hyper) throws {
        let (b1, b2) = try hyper.betas(default: (0.9, 0.95))
        self.init(beta1: b1, beta2: b2, eps: try hyper.float("eps", default: 1e-8),
                  weightDecay: try hyper.float("weight_decay", default: 0))
    }

    static let hyperKeys: Set<String> = ["betas", "beta2", "eps"]

    /// The study's baseline: AdamW on every parameter at the scheduled rate.
    static func assignments(hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        try hyper.requireKnown(hyperKeys, optimizer: .adamw)
        let all = RoleAssignment(rule: try AdamW(hyper: hyper))
        return [.hidden: all, .embedding: all, .vector: all]
    }
}
