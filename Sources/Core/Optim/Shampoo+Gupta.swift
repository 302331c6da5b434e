/// The original Shampoo (Gupta, Koren, Singer, ICML 2018; docs/optimizers.md §5.5) as
/// `pytorch_optimizer.Shampoo` implements it (verified there to 7e-15), Shampoo's
/// `variant: "gupta2018"`. Per parameter, at step t:
///
///     G ← lerp(G, B, μ)                        (momentum μ > 0, t > 1: B = last preconditioned step)
///     W ← W·(1 − lr·wd)  or  G ← G + wd·W      (weight_decay_type "decoupled" | "l2", the default)
///     L ← L + G·Gᵀ,  R ← R + Gᵀ·G              (L₀ = R₀ = matrix_eps·I: AdaGrad sums, no EMA)
///     if t mod f = 0:  L⁻ = L^(−1/4),  R⁻ = R^(−1/4)      (f = precondition_frequency)
///     P = L⁻·G·R⁻;  B ← P;  W ← W − lr·P
///
/// A vector's one factor is its full n×n statistic with exponent −1/2 (1/(2·order)). The inverse
/// roots start at ZERO, as in the reference: with f > 1 the first f − 1 steps do not move W.
/// The reference's momentum lerps towards the last *preconditioned* step and feeds that into the
/// statistics (the buffer starts as the first gradient, so step 1 is unaffected); it is
/// reproduced, though the goldens keep μ = 0.
///
/// State: `L`, `L_inv` (and `R`, `R_inv`), plus `momentum_buffer` when μ > 0. The statistics are
/// stored without their matrix_eps·I initial value, which is added (exactly, in Float64) when
/// the roots are computed: a 1e-6 diagonal would be lost against Float32 entries of size ~1.
/// A root that fails to compute keeps its last value.
public struct GuptaShampoo: UpdateRule {
    public var momentum: Float
    public var weightDecay: Float
    public var weightDecayType: Shampoo.WeightDecayType
    public var matrixEpsilon: Double
    public var preconditionFrequency: Int

    let workspaces = FactorWorkspaces()

    /// pytorch-optimizer's defaults: no momentum or decay (L2 when set), matrix_eps 1e-6, roots every step.
    public init(momentum: Float = 0, weightDecay: Float = 0, weightDecayType: Shampoo.WeightDecayType = .l2,
                matrixEpsilon: Double = 1e-6, preconditionFrequency: Int = 1) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.weightDecayType = weightDecayType
        self.matrixEpsilon = matrixEpsilon
        self.preconditionFrequency = preconditionFrequency
    }

    public var failedRootComputations: Int { workspaces.failedComputations }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        let shape = KroneckerShape(parameter)
        var slots = [StateSlot("L", shape: [shape.rows, shape.rows]), StateSlot("L_inv", shape: [shape.rows, shape.rows])]
        if shape.order == 2 {
            slots += [StateSlot("R", shape: [shape.cols, shape.cols]), StateSlot("R_inv", shape: [shape.cols, shape.cols])]
        }
        if momentum > 0 { slots.append(StateSlot("momentum_buffer", shape: parameter.shape)) }
        return slots
    }

    public func update(parameter w: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        workspaces.run { step(w.baseAddress!, gradient.baseAddress!, info: info, state: state, lr: lr, workspace: $0) }
    }

    private func step(_ w: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, info: ParameterInfo,
                      state: TensorState, lr: Float, workspace ws: FactorWorkspace) {
        let shape = KroneckerShape(info)
        let m = shape.rows, n = shape.cols, count = m * n
        let t = state.step
        let g = ws.floats(0, count: count), p = ws.floats(1, count: count), scratch = ws.floats(2, count: count)

        g.update(from: gradient, count: count)
        let buffer = momentum > 0 ? state["momentum_buffer"].data : nil
        if let buffer, t > 1 {
            let mu = momentum
            for i in 0..<count { g[i] += mu * (buffer[i] - g[i]) }
        }
        if weightDecay != 0 {
            let wd = weightDecay
            switch weightDecayType {
            case .decoupled:
                let decay = 1 - wd * lr
                for i in 0..<count { w[i] *= decay }
            case .l2:
                for i in 0..<count { g[i] += wd * w[i] }
            }
        }

        let left = state["L"].data, leftInv = state["L_inv"].data
        let right = shape.order == 2 ? state["R"].data : nil, rightInv = shape.order == 2 ? state["R_inv"].data : nil
        KroneckerFactors.accumulate(left, side: .left, gradient: g, rows: m, cols: n, ld: n, decay: 1, weight: 1)
        if let right {
            KroneckerFactors.accumulate(right, side: .right, gradient: g, rows: m, cols: n, ld: n, decay: 1, weight: 1)
        }
        if t % preconditionFrequency == 0 {
            let exponent = 1 / Double(2 * shape.order)
            // eigh(S) + ε on every eigenvalue = eigh(S + ε·I): the reference's ε·I start.
            ws.inverseRoot(of: left, n: m, dividedBy: 1, exponent: exponent, epsilon: matrixEpsilon,
                           regularization: .clampThenAdd, into: leftInv)
            if let right, let rightInv {
                ws.inverseRoot(of: right, n: n, dividedBy: 1, exponent: exponent, epsilon: matrixEpsilon,
                               regularization: .clampThenAdd, into: rightInv)
            }
        }

        KroneckerFactors.sandwich(left: leftInv, transposeLeft: false, g, ldx: n,
                                  right: rightInv.map { UnsafePointer($0) }, transposeRight: false,
                                  rows: m, cols: n, into: p, ldOut: n, scratch: scratch)
        buffer?.update(from: p, count: count)
        for i in 0..<count { w[i] -= lr * p[i] }
    }
}

extension GuptaShampoo {
    static let keys: Set<String> = ["variant", "weight_decay_type", "matrix_eps", "precondition_frequency"]

    /// From reference-named hyperparameters: `momentum`, `weight_decay`, `weight_decay_type`
    /// ("l2" default, as pytorch-optimizer's weight_decouple=False, or "decoupled"),
    /// `matrix_eps`, `precondition_frequency`.
    public init(hyper: Hyper) throws {
        let momentum = try hyper.float("momentum", default: 0)
        let wd = try hyper.float("weight_decay", default: 0)
        let wdType = try hyper.string("weight_decay_type", default: "l2", allowed: ["decoupled", "l2"])
        let eps = try hyper.number("matrix_eps", default: 1e-6)
        let frequency = try hyper.int("precondition_frequency", default: 1)
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw QScopeError.badInput("shampoo (gupta2018): \(message)") }
        }
        try check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1) (got \(momentum))")
        try check(wd >= 0, "weight_decay must be non-negative (got \(wd))")
        try check(eps >= 0 && eps.isFinite, "matrix_eps must be non-negative (got \(eps))")
        try check(frequency >= 1, "precondition_frequency must be at least 1 (got \(frequency))")
        self.init(momentum: momentum, weightDecay: wd, weightDecayType: Shampoo.WeightDecayType(rawValue: wdType)!,
                  matrixEpsilon: eps, preconditionFrequency: frequency)
    }
}

extension GuptaShampoo {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
