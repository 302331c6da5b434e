/// SOAP: Adam in the eigenbasis of Shampoo's factors (Vyas et al. 2025; nikhilvyas/SOAP `soap.py`,
/// docs/optimizers.md §6, verified to 4e-16 in fp64 (§10); the study runs `pytorch_optimizer.SOAP`,
/// the same maths). Per parameter:
///
///     first step:  GG_i = (1 − βs)·outer_i(G);  Q_i = eigenvectors of GG_i, descending
///                  (no parameter update; SOAP's own step counter stays 0)
///     step t ≥ 1:  g' = Q_Lᵀ·G·Q_R
///                  m = β1·m + (1 − β1)·g';  v = β2·v + (1 − β2)·g'²        (both in the rotated basis)
///                  U = Q_L·(m / (√v + ε))·Q_Rᵀ;  U /= 1e-30 + rms(U)   (normalize_grads only)
///                  W ← W − lr·√(1 − β2ᵗ)/(1 − β1ᵗ)·U                    (correct_bias; else lr·U)
///                  W ← W − lr·wd·W                                       (decoupled, AFTER the update)
///                  GG_i = βs·GG_i + (1 − βs)·outer_i(G)                 (βs = shampoo_beta, or β2 if < 0)
///                  if t mod f = 0, per factor in order (f = precondition_frequency):
///                      est = diag(Q_iᵀ·GG_i·Q_i); sort descending; permute v along dim i and Q_i's columns
///                      Q_i = qr(GG_i·Q_i).Q                              (one power iteration)
///                      (m is carried to the new basis: Q_newᵀ·(Q_old·m·…)·…)
///
/// outer_L(G) = G·Gᵀ, outer_R(G) = Gᵀ·G. A side longer than `max_precond_dim` has no factor (the
/// identity). A vector gets plain Adam in SOAP's form (still skipping its first step) unless
/// `precondition_1d`, which gives it a full n×n factor. The reference round-trips m through the
/// original basis on every step; here only when the basis changes (the same maths, less rounding).
///
/// Eigenbasis caveat (docs/optimizers.md §9.3): G·Gᵀ of a rectangular gradient is rank-deficient and
/// the basis of its null space is arbitrary, so runs with rectangular full-factor first gradients
/// only match a reference statistically, not digit for digit.
///
/// State: `exp_avg`, `exp_avg_sq` (rotated basis), and per active side `GG_L`/`Q_L`, `GG_R`/`Q_R`.
/// Float32 state; eigh and QR in Float64.
public struct SOAP: UpdateRule {
    public var beta1: Float
    public var beta2: Float
    /// βs for the factor EMA; nil means β2.
    public var shampooBeta: Float?
    public var eps: Float
    public var weightDecay: Float
    public var preconditionFrequency: Int
    public var maxPreconditionDim: Int
    public var correctBias: Bool
    public var normalizeGrads: Bool
    public var precondition1D: Bool

    let workspaces = FactorWorkspaces()

    /// The study's configuration (docs/optimizers.md §6.2): betas (0.9, 0.95) from its CLI defaults, ε 1e-8,
    /// no weight decay, refresh every 10 steps, max_precond_dim 8192, no 1-D preconditioning,
    /// bias correction.
    public init(beta1: Float = 0.9, beta2: Float = 0.95, shampooBeta: Float? = nil, eps: Float = 1e-8,
                weightDecay: Float = 0, preconditionFrequency: Int = 10, maxPreconditionDim: Int = 8192,
                correctBias: Bool = true, normalizeGrads: Bool = false, precondition1D: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.shampooBeta = shampooBeta
        self.eps = eps
        self.weightDecay = weightDecay
        self.preconditionFrequency = preconditionFrequency
        self.maxPreconditionDim = maxPreconditionDim
        self.correctBias = correctBias
        self.normalizeGrads = normalizeGrads
        self.precondition1D = precondition1D
    }

    /// Failed eigen/QR computations so far (each kept a usable basis).
    public var failedBasisComputations: Int { workspaces.failedComputations }

    /// Which sides of `shape` get a factor.
    func sides(_ shape: KroneckerShape) -> (left: Bool, right: Bool) {
        if shape.order == 1 { return (precondition1D && shape.rows <= maxPreconditionDim, false) }
        return (shape.rows <= maxPreconditionDim, shape.cols <= maxPreconditionDim)
    }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        let shape = KroneckerShape(parameter)
        let (left, right) = sides(shape)
        var slots = [StateSlot("exp_avg", shape: parameter.shape), StateSlot("exp_avg_sq", shape: parameter.shape)]
        if left { slots += [StateSlot("GG_L", shape: [shape.rows, shape.rows]), StateSlot("Q_L", shape: [shape.rows, shape.rows])] }
        if right { slots += [StateSlot("GG_R", shape: [shape.cols, shape.cols]), StateSlot("Q_R", shape: [shape.cols, shape.cols])] }
        return slots
    }

    public func update(parameter w: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        workspaces.run { step(w.baseAddress!, gradient.baseAddress!, info: info, state: state, lr: lr, workspace: $0) }
    }

    private func step(_ w: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, info: ParameterInfo,
                      state: TensorState, lr: Float, workspace ws: FactorWorkspace) {
        let shape = KroneckerShape(info)
        let (hasLeft, hasRight) = sides(shape)
        let m = shape.rows, n = shape.cols, count = m * n
        let ggL = hasLeft ? state["GG_L"].data : nil, qL = hasLeft ? state["Q_L"].data : nil
        let ggR = hasRight ? state["GG_R"].data : nil, qR = hasRight ? state["Q_R"].data : nil
        let bs = shampooBeta.map { $0 >= 0 ? $0 : beta2 } ?? beta2

        func accumulateFactors() {
            if let ggL { KroneckerFactors.accumulate(ggL, side: .left, gradient: g, rows: m, cols: n, ld: n, decay: bs, weight: 1 - bs) }
            if let ggR { KroneckerFactors.accumulate(ggR, side: .right, gradient: g, rows: m, cols: n, ld: n, decay: bs, weight: 1 - bs) }
        }

        // The first step only builds the statistics and the eigenbasis.
        if state.step == 1 {
            accumulateFactors()
            if let ggL, let qL { ws.descendingEigenvectors(of: ggL, n: m, into: qL) }
            if let ggR, let qR { ws.descendingEigenvectors(of: ggR, n: n, into: qR) }
            return
        }
        let t = state.step - 1
        let a = ws.floats(0, count: count), b = ws.floats(1, count: count), scratch = ws.floats(2, count: count)
        let qLc = qL.map { UnsafePointer($0) }, qRc = qR.map { UnsafePointer($0) }
        func project(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            KroneckerFactors.sandwich(left: qLc, transposeLeft: true, x, ldx: n, right: qRc, transposeRight: false,
                                      rows: m, cols: n, into: out, ldOut: n, scratch: scratch)
        }
        func projectBack(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
            KroneckerFactors.sandwich(left: qLc, transposeLeft: false, x, ldx: n, right: qRc, transposeRight: true,
                                      rows: m, cols: n, into: out, ldOut: n, scratch: scratch)
        }

        // Adam in the rotated basis.
        let mom = state["exp_avg"].data, v = state["exp_avg_sq"].data
        project(g, into: a)
        let b1 = beta1, b2 = beta2, eps = eps
        for i in 0..<count {
            let gi = a[i]
            mom[i] = b1 * mom[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            a[i] = mom[i] / (v[i].squareRoot() + eps)
        }
        projectBack(a, into: b)
        var stepSize = lr
        if correctBias {
            let bc1 = 1 - Math.pow(Double(b1), Double(t)), bc2 = 1 - Math.pow(Double(b2), Double(t))
            stepSize = Float(Double(lr) * bc2.squareRoot() / bc1)
        }
        if normalizeGrads {
            let rms = (Kernels.sumOfSquares(b, count: count) / Double(count)).squareRoot()
            let scale = Float(1 / (1e-30 + rms))
            for i in 0..<count { b[i] *= scale }
        }
        let decay = -lr * weightDecay
        for i in 0..<count {
            w[i] += -stepSize * b[i]
            if weightDecay > 0 { w[i] += decay * w[i] }
        }

        // Statistics, and every f steps a new basis with m carried over and v permuted.
        accumulateFactors()
        guard t % preconditionFrequency == 0, hasLeft || hasRight else { return }
        projectBack(mom, into: a)  // m in the original basis
        let order = ws.ints(count: Swift.max(m, n))
        if let ggL, let qL {
            ws.refreshBasis(statistic: ggL, basis: qL, n: m, order: order)
            for i in 0..<m { (b + i * n).update(from: v + order[i] * n, count: n) }
            v.update(from: b, count: count)
        }
        if let ggR, let qR {
            ws.refreshBasis(statistic: ggR, basis: qR, n: n, order: order)
            for i in 0..<m {
                let row = v + i * n, out = b + i * n
                for j in 0..<n { out[j] = row[order[j]] }
            }
            v.update(from: b, count: count)
        }
        project(a, into: mom)
    }
}

extension SOAP {
    static let keys: Set<String> = [
        "betas", "beta2", "eps", "precondition_frequency", "shampoo_beta", "max_precond_dim", "correct_bias",
        "normalize_grads", "merge_dims", "precondition_1d",
    ]

    /// From reference-named hyperparameters: `betas` (or `momentum`/`beta2`), `eps`,
    /// `weight_decay`, `precondition_frequency`, `shampoo_beta` (−1 or absent: β2),
    /// `max_precond_dim`, `correct_bias`, `normalize_grads`, `precondition_1d`; `merge_dims`
    /// must be false.
    public init(hyper: Hyper) throws {
        let (b1, b2) = try hyper.betas(default: (0.9, 0.95))
        let eps = try hyper.float("eps", default: 1e-8)
        let wd = try hyper.float("weight_decay", default: 0)
        let frequency = try hyper.int("precondition_frequency", default: 10)
        let shampooBeta = try hyper.float("shampoo_beta", default: -1)
        let maxDim = try hyper.int("max_precond_dim", default: 8192)
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw QScopeError.badInput("soap: \(message)") }
        }
        try check(!(try hyper.bool("merge_dims", default: false)),
                  "merge_dims = true is not supported (it only reshapes tensors of 3 or more dimensions, "
                      + "and the model has none); use false")
        try check(b1 >= 0 && b1 < 1, "betas[0] must be in [0, 1) (got \(b1))")
        try check(b2 >= 0 && b2 < 1, "betas[1] must be in [0, 1) (got \(b2))")
        try check(shampooBeta < 1, "shampoo_beta must be below 1, or negative for betas[1] (got \(shampooBeta))")
        try check(eps >= 0, "eps must be non-negative (got \(eps))")
        try check(wd >= 0, "weight_decay must be non-negative (got \(wd))")
        try check(frequency >= 1, "precondition_frequency must be at least 1 (got \(frequency))")
        try check(maxDim >= 0, "max_precond_dim must be non-negative (got \(maxDim))")
        self.init(beta1: b1, beta2: b2, shampooBeta: shampooBeta >= 0 ? shampooBeta : nil, eps: eps, weightDecay: wd,
                  preconditionFrequency: frequency, maxPreconditionDim: maxDim,
                  correctBias: try hyper.bool("correct_bias", default: true),
                  normalizeGrads: try hyper.bool("normalize_grads", default: false),
                  precondition1D: try hyper.bool("precondition_1d", default: false))
    }

    /// The study's SOAP: every parameter in one group at the scheduled rate.
    static func assignments(layout: ParameterLayout, hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        try hyper.requireKnown(keys, optimizer: .soap)
        try KroneckerShape.validate(layout, optimizer: .soap)
        let all = RoleAssignment(rule: try SOAP(hyper: hyper))
        return [.hidden: all, .embedding: all, .vector: all]
    }
}

extension SOAP {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
