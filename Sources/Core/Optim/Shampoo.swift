/// Shampoo as in facebookresearch/optimizers `DistributedShampoo` (Shi et al. 2023), the study's
/// choice (docs/optimizers.md §5.1; verified to 2e-16 against the reference in fp64, §10), with
/// root-inverse preconditioners by eigendecomposition. Per block of a parameter, at step t:
///
///     G ← G + wd·W                                   (weight_decay_type "l2" only)
///     L ← β2·L + w·G·Gᵀ,  R ← β2·R + w·Gᵀ·G          (w = 1 − β2, or AdaGrad sums when β2 = 1)
///     V ← β2g·V + (1 − β2g)·G²                       (Adam grafting's second moment)
///     if (t mod f = 0 and t > start) or t = start:   (f = precondition_frequency)
///         L⁻ = root(L / bc2), R⁻ = root(R / bc2)     (bc2 = 1 − β2ᵗ; 1 if β2 = 1 or no correction)
///     M̂ = lerp(M, G, 1 − β3) / (1 − β3·β1^(t−1)),  M ← lerp(M, G, 1 − β1)   (β3 = β1: M̂ = M/(1 − β1ᵗ))
///     Pg = M̂ / (√(V / (1 − β2gᵗ)) + εg)
///     P = Pg                                          (t < start, with grafting: plain Adam)
///     P = L⁻·M̂·R⁻ · ‖Pg‖_F / (‖L⁻·M̂·R⁻‖_F + 1e-16)    (otherwise; without grafting no rescale)
///     W ← W − lr·(P + wd·W)                          (weight_decay_type "decoupled")
///
///     root(A) = Q·diag(λ̃^(−e))·Qᵀ from eigh(A + εI), λ̃ = λ − min λ + ε if min λ < ε
///
/// with e = 1/(2·order): −1/4 per factor for a matrix, −1/2 for a vector, whose one factor is its
/// full n×n statistic (as the reference does for 1-D parameters). Inverse roots start as the
/// identity, so before `start` without grafting the step is the filtered gradient itself. A root
/// whose recomputation fails keeps its last good value (the reference tolerates failures).
/// Dimensions above `max_preconditioner_dim` are split into blocks of at most that size (the
/// reference's blocking, each block with its own factors and grafting ratio). The reference's
/// `distributed_config` default would merge small matrices into vectors; the study's hidden
/// matrices and the 256×C embedding are preconditioned as 2-D matrices with both factors here
/// (target_parameter_dimensionality 2, as the goldens).
///
/// State per parameter: `L`, `L_inv` (and `R`, `R_inv` for matrices), blocks concatenated in
/// row-major block order (shape n×n for one block, flat otherwise); `filtered_grad` when β1 > 0;
/// `graft_exp_avg_sq` with Adam grafting. All Float32, like the reference's default factor dtype;
/// the roots are computed in Float64.
public struct Shampoo: UpdateRule {
    public enum WeightDecayType: String, Sendable, CaseIterable { case decoupled, l2 }

    public var beta1: Float
    public var beta2: Float
    public var beta3: Float
    public var epsilon: Double
    public var weightDecay: Float
    public var weightDecayType: WeightDecayType
    public var grafting: Bool
    public var graftingBeta2: Float
    public var graftingEpsilon: Float
    public var preconditionFrequency: Int
    public var startPreconditioningStep: Int
    public var useBiasCorrection: Bool
    public var maxPreconditionerDim: Int
    /// The inverse-root exponent of each factor of a matrix (1/4 by default); vectors use 1/2.
    public var matrixExponent: Double

    let workspaces = FactorWorkspaces()

    /// The study's configuration (docs/optimizers.md §5.4): betas (0.9, 0.95), ε = 1e-8, Adam grafting with
    /// the same β2 and ε, decoupled weight decay, roots every 20 steps from step 20, bias
    /// correction, max_preconditioner_dim 8192.
    public init(beta1: Float = 0.9, beta2: Float = 0.95, beta3: Float? = nil, epsilon: Double = 1e-8,
                weightDecay: Float = 0, weightDecayType: WeightDecayType = .decoupled, grafting: Bool = true,
                graftingBeta2: Float? = nil, graftingEpsilon: Float? = nil, preconditionFrequency: Int = 20,
                startPreconditioningStep: Int = -1, useBiasCorrection: Bool = true, maxPreconditionerDim: Int = 8192,
                matrixExponent: Double = 0.25) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.beta3 = beta3 ?? beta1
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.weightDecayType = weightDecayType
        self.grafting = grafting
        self.graftingBeta2 = graftingBeta2 ?? beta2
        self.graftingEpsilon = graftingEpsilon ?? Float(epsilon)
        self.preconditionFrequency = preconditionFrequency
        self.startPreconditioningStep = startPreconditioningStep == -1 ? preconditionFrequency : startPreconditioningStep
        self.useBiasCorrection = useBiasCorrection
        self.maxPreconditionerDim = maxPreconditionerDim
        self.matrixExponent = matrixExponent
    }

    /// Failed root recomputations so far (each kept the previous root).
    public var failedRootComputations: Int { workspaces.failedComputations }

    func exponent(order: Int) -> Double { order == 2 ? matrixExponent : 0.5 }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        let shape = KroneckerShape(parameter)
        let grid = BlockGrid(shape, maxDimension: maxPreconditionerDim)
        var slots: [StateSlot] = []
        let single = grid.blockCount == 1
        slots.append(StateSlot("L", shape: single ? [shape.rows, shape.rows] : [grid.leftCount]))
        slots.append(StateSlot("L_inv", shape: single ? [shape.rows, shape.rows] : [grid.leftCount]))
        if shape.order == 2 {
            slots.append(StateSlot("R", shape: single ? [shape.cols, shape.cols] : [grid.rightCount]))
            slots.append(StateSlot("R_inv", shape: single ? [shape.cols, shape.cols] : [grid.rightCount]))
        }
        if beta1 != 0 { slots.append(StateSlot("filtered_grad", shape: parameter.shape)) }
        if grafting { slots.append(StateSlot("graft_exp_avg_sq", shape: parameter.shape)) }
        return slots
    }

    public func update(parameter w: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        workspaces.run { step(w.baseAddress!, gradient.baseAddress!, info: info, state: state, lr: lr, workspace: $0) }
    }

    private func step(_ w: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>, info: ParameterInfo,
                      state: TensorState, lr: Float, workspace ws: FactorWorkspace) {
        let shape = KroneckerShape(info)
        let grid = BlockGrid(shape, maxDimension: maxPreconditionerDim)
        let count = shape.rows * shape.cols
        let t = state.step

        // G (with L2 decay folded in), the filtered gradient M̂, the direction P, and scratch.
        var g = gradient
        if weightDecayType == .l2 && weightDecay != 0 {
            let buffer = ws.floats(0, count: count), wd = weightDecay
            for i in 0..<count { buffer[i] = gradient[i] + wd * w[i] }
            g = UnsafePointer(buffer)
        }
        let mhat = ws.floats(1, count: count), p = ws.floats(2, count: count)
        let scratch = ws.floats(3, count: grid.maxBlockCount)
        let factors = Factors(state, hasRight: shape.order == 2)
        let v = grafting ? state["graft_exp_avg_sq"].data : nil

        accumulateStatistics(g, grid: grid, factors: factors)
        if let v { accumulateGraftSecondMoment(v, g, count: count) }
        // Amortised inverse roots. Before the first one the roots are the identity.
        let start = startPreconditioningStep
        if (t % preconditionFrequency == 0 && t > start) || t == start {
            refreshInverseRoots(t: t, grid: grid, order: shape.order, factors: factors, workspace: ws)
        }
        filterGradient(g, into: mhat, state: state, t: t, count: count)
        searchDirection(mhat, graftSecondMoment: v, t: t, grid: grid, factors: factors, scratch: scratch, into: p)

        // Decoupled weight decay folded into the direction, then the step.
        let wd: Float = weightDecayType == .decoupled ? weightDecay : 0
        for i in 0..<count { w[i] -= lr * (p[i] + wd * w[i]) }
    }

    /// One parameter's factor slots, blocks concatenated (`right`, `rightInv` nil for a vector).
    private struct Factors {
        let left: UnsafeMutablePointer<Float>, leftInv: UnsafeMutablePointer<Float>
        let right: UnsafeMutablePointer<Float>?, rightInv: UnsafeMutablePointer<Float>?

        init(_ state: TensorState, hasRight: Bool) {
            left = state["L"].data
            leftInv = state["L_inv"].data
            right = hasRight ? state["R"].data : nil
            rightInv = hasRight ? state["R_inv"].data : nil
        }
    }

    /// Adam grafting's direction, element by element: M̂ / (√(V / bc2g) + εg).
    private struct Graft {
        let mhat: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, bc2g: Float, epsilon: Float

        @inline(__always) subscript(i: Int) -> Float { mhat[i] / ((v[i] / bc2g).squareRoot() + epsilon) }
    }

    /// L ← β2·L + w·G·Gᵀ and R ← β2·R + w·Gᵀ·G per block (w = 1 − β2, or AdaGrad sums when β2 = 1).
    private func accumulateStatistics(_ g: UnsafePointer<Float>, grid: BlockGrid, factors f: Factors) {
        let n = grid.cols
        let decay: Float = beta2 == 1 ? 1 : beta2, weight: Float = beta2 == 1 ? 1 : 1 - beta2
        grid.forEachBlock { b in
            KroneckerFactors.accumulate(f.left + b.leftOffset, side: .left, gradient: g + b.offset(ld: n),
                                        rows: b.rows, cols: b.cols, ld: n, decay: decay, weight: weight)
            if let right = f.right {
                KroneckerFactors.accumulate(right + b.rightOffset, side: .right, gradient: g + b.offset(ld: n),
                                            rows: b.rows, cols: b.cols, ld: n, decay: decay, weight: weight)
            }
        }
    }

    /// Grafting's second moment: V ← β2g·V + (1 − β2g)·G² (a plain sum when β2g = 1).
    private func accumulateGraftSecondMoment(_ v: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, count: Int) {
        let b2 = graftingBeta2, w2: Float = graftingBeta2 == 1 ? 1 : 1 - graftingBeta2
        for i in 0..<count { v[i] = b2 * v[i] + w2 * g[i] * g[i] }
    }

    /// L⁻ = root(L / bc2), R⁻ = root(R / bc2) per block. At `start` the roots are set to the identity
    /// first, so a failed first computation leaves the identity; later failures keep the last root.
    private func refreshInverseRoots(t: Int, grid: BlockGrid, order: Int, factors f: Factors, workspace ws: FactorWorkspace) {
        let start = startPreconditioningStep
        let bc2 = useBiasCorrection && beta2 < 1 ? 1 - Math.pow(Double(beta2), Double(t)) : 1
        grid.forEachBlock { b in
            if t == start { KroneckerFactors.setIdentity(f.leftInv + b.leftOffset, n: b.rows) }
            ws.inverseRoot(of: f.left + b.leftOffset, n: b.rows, dividedBy: bc2, exponent: exponent(order: order),
                           epsilon: epsilon, regularization: .perturbThenShift, into: f.leftInv + b.leftOffset)
            if let right = f.right, let rightInv = f.rightInv {
                if t == start { KroneckerFactors.setIdentity(rightInv + b.rightOffset, n: b.cols) }
                ws.inverseRoot(of: right + b.rightOffset, n: b.cols, dividedBy: bc2, exponent: matrixExponent,
                               epsilon: epsilon, regularization: .perturbThenShift, into: rightInv + b.rightOffset)
            }
        }
    }

    /// M̂ = lerp(M, G, 1 − β3) / (1 − β3·β1^(t−1)) while M ← lerp(M, G, 1 − β1); G itself when β1 = 0.
    private func filterGradient(_ g: UnsafePointer<Float>, into mhat: UnsafeMutablePointer<Float>, state: TensorState,
                                t: Int, count: Int) {
        guard beta1 != 0 else {
            mhat.update(from: g, count: count)
            return
        }
        let mom = state["filtered_grad"].data
        let b1 = beta1, b3 = beta3
        let bc1 = useBiasCorrection ? Float(1 - Double(b3) * Math.pow(Double(b1), Double(t - 1))) : 1
        for i in 0..<count {
            let gi = g[i], old = mom[i]
            let filtered = b3 == b1 ? old + (1 - b1) * (gi - old) : old + (1 - b3) * (gi - old)
            mom[i] = old + (1 - b1) * (gi - old)
            mhat[i] = filtered / bc1
        }
    }

    /// P: grafted Adam before `start` (M̂ itself without grafting), else L⁻·M̂·R⁻ per block, rescaled
    /// with grafting to the norm of the block's graft.
    private func searchDirection(_ mhat: UnsafeMutablePointer<Float>, graftSecondMoment v: UnsafeMutablePointer<Float>?,
                                 t: Int, grid: BlockGrid, factors f: Factors, scratch: UnsafeMutablePointer<Float>,
                                 into p: UnsafeMutablePointer<Float>) {
        let n = grid.cols, count = grid.rows * grid.cols
        let bc2g = graftingBeta2 < 1 ? Float(1 - Math.pow(Double(graftingBeta2), Double(t))) : 1
        let graft = v.map { Graft(mhat: mhat, v: $0, bc2g: bc2g, epsilon: graftingEpsilon) }
        guard t >= startPreconditioningStep else {
            if let graft {
                for i in 0..<count { p[i] = graft[i] }
            } else {
                p.update(from: mhat, count: count)
            }
            return
        }
        grid.forEachBlock { b in
            let at = b.offset(ld: n)
            KroneckerFactors.sandwich(left: f.leftInv + b.leftOffset, transposeLeft: false, mhat + at, ldx: n,
                                      right: f.rightInv.map { UnsafePointer($0 + b.rightOffset) }, transposeRight: false,
                                      rows: b.rows, cols: b.cols, into: p + at, ldOut: n, scratch: scratch)
            if let graft { Self.rescale(p, block: b, ld: n, toNormOf: graft) }
        }
    }

    /// Block `b` of P ← P · ‖graft‖_F / (‖P‖_F + 1e-16) over the block (norms summed in Float64).
    private static func rescale(_ p: UnsafeMutablePointer<Float>, block b: BlockGrid.Block, ld n: Int, toNormOf graft: Graft) {
        let at = b.offset(ld: n)
        var graftSquares = 0.0
        for i in 0..<b.rows {
            let row = at + i * n
            for j in 0..<b.cols {
                let x = Double(graft[row + j])
                graftSquares += x * x
            }
        }
        let shampooNorm = KroneckerFactors.sumOfSquares(p + at, rows: b.rows, cols: b.cols, ld: n).squareRoot()
        let ratio = Float(graftSquares.squareRoot() / (shampooNorm + 1e-16))
        for i in 0..<b.rows {
            let row = p + at + i * n
            for j in 0..<b.cols { row[j] *= ratio }
        }
    }
}

/// The reference's blocking: each dimension is cut into chunks of `maxDimension` (the last one
/// shorter), and every (row chunk, column chunk) pair is a block with its own factors, in
/// row-major block order. A vector (n×1) is cut along its rows only.
struct BlockGrid {
    struct Block {
        let row0: Int, rows: Int, col0: Int, cols: Int
        /// Offsets of this block's left and right factors in the concatenated factor slots.
        let leftOffset: Int, rightOffset: Int
        func offset(ld: Int) -> Int { row0 * ld + col0 }
    }

    let rows: Int, cols: Int, size: Int
    let rowBlocks: Int, colBlocks: Int

    init(_ shape: KroneckerShape, maxDimension: Int) {
        rows = shape.rows
        cols = shape.cols
        size = Swift.max(maxDimension, 1)
        rowBlocks = (rows + size - 1) / size
        colBlocks = (cols + size - 1) / size
    }

    var blockCount: Int { rowBlocks * colBlocks }
    private func length(_ total: Int, _ index: Int) -> Int { Swift.min(size, total - index * size) }
    /// Σ over blocks of rows² and of cols².
    var leftCount: Int { colBlocks * (0..<rowBlocks).reduce(0) { $0 + length(rows, $1) * length(rows, $1) } }
    var rightCount: Int { rowBlocks * (0..<colBlocks).reduce(0) { $0 + length(cols, $1) * length(cols, $1) } }
    var maxBlockCount: Int { Swift.min(size, rows) * Swift.min(size, cols) }

    func forEachBlock(_ body: (Block) -> Void) {
        var leftOffset = 0, rightOffset = 0
        for bi in 0..<rowBlocks {
            let r = length(rows, bi)
            for bj in 0..<colBlocks {
                let c = length(cols, bj)
                body(Block(row0: bi * size, rows: r, col0: bj * size, cols: c, leftOffset: leftOffset, rightOffset: rightOffset))
                leftOffset += r * r
                rightOffset += c * c
            }
        }
    }
}

extension Shampoo {
    /// The hyperparameters of the distributed variant, by the names the goldens and replay files use.
    static let keys: Set<String> = [
        "variant", "betas", "beta2", "beta3", "eps", "weight_decay_type", "grafting", "grafting_beta2", "grafting_eps",
        "precondition_frequency", "start_preconditioning_step", "use_bias_correction", "max_preconditioner_dim",
        "inverse_root_exponent",
    ]

    /// From reference-named hyperparameters, defaulting to the study's configuration (see `init`).
    /// `betas` (or `momentum`/`beta2`), `eps`, `grafting` ("adam" | "none"), `grafting_beta2` and
    /// `grafting_eps` (default: β2 and eps, the study's AdamGraftingConfig(beta2, eps)), `beta3`
    /// (−1: β1), `weight_decay_type` ("decoupled" | "l2"), `precondition_frequency`,
    /// `start_preconditioning_step` (−1: the frequency), `use_bias_correction`,
    /// `max_preconditioner_dim`, `inverse_root_exponent` (per factor of a matrix; vectors use 1/2).
    public init(hyper: Hyper) throws {
        let (b1, b2) = try hyper.betas(default: (0.9, 0.95))
        let eps = try hyper.number("eps", default: 1e-8)
        let beta3 = try hyper.float("beta3", default: -1)
        let wd = try hyper.float("weight_decay", default: 0)
        let wdType = try hyper.string("weight_decay_type", default: "decoupled", allowed: ["decoupled", "l2"])
        let grafting = try hyper.string("grafting", default: "adam", allowed: ["adam", "none"])
        let gb2 = try hyper.float("grafting_beta2", default: b2)
        let geps = try hyper.float("grafting_eps", default: Float(eps))
        let frequency = try hyper.int("precondition_frequency", default: 20)
        let start = try hyper.int("start_preconditioning_step", default: -1)
        let maxDim = try hyper.int("max_preconditioner_dim", default: 8192)
        let exponent = try hyper.number("inverse_root_exponent", default: 0.25)
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw QScopeError.badInput("shampoo: \(message)") }
        }
        try check(b1 >= 0 && b1 < 1, "betas[0] must be in [0, 1) (got \(b1))")
        try check(b2 > 0 && b2 <= 1, "betas[1] must be in (0, 1] (got \(b2))")
        try check(beta3 == -1 || (beta3 >= 0 && beta3 < 1), "beta3 must be -1 (= betas[0]) or in [0, 1) (got \(beta3))")
        try check(eps > 0 && eps.isFinite, "eps must be positive (got \(eps))")
        try check(wd >= 0, "weight_decay must be non-negative (got \(wd))")
        try check(gb2 > 0 && gb2 <= 1, "grafting_beta2 must be in (0, 1] (got \(gb2))")
        try check(geps > 0, "grafting_eps must be positive (got \(geps))")
        try check(frequency >= 1, "precondition_frequency must be at least 1 (got \(frequency))")
        try check(start == -1 || start >= frequency,
                  "start_preconditioning_step must be -1 (= precondition_frequency) or at least precondition_frequency "
                      + "\(frequency) (got \(start)), as the reference requires")
        try check(maxDim >= 1, "max_preconditioner_dim must be at least 1 (got \(maxDim))")
        try check(exponent > 0 && exponent.isFinite, "inverse_root_exponent must be positive (got \(exponent))")
        self.init(beta1: b1, beta2: b2, beta3: beta3 == -1 ? nil : beta3, epsilon: eps, weightDecay: wd,
                  weightDecayType: WeightDecayType(rawValue: wdType)!, grafting: grafting == "adam",
                  graftingBeta2: gb2, graftingEpsilon: geps, preconditionFrequency: frequency,
                  startPreconditioningStep: start, useBiasCorrection: try hyper.bool("use_bias_correction", default: true),
                  maxPreconditionerDim: maxDim, matrixExponent: exponent)
    }

    /// The study's Shampoo: every parameter (hidden matrices, the embedding/head, vectors) in one
    /// group at the scheduled rate, no AdamW side group. `variant` picks "distributed" (default)
    /// or "gupta2018" (`GuptaShampoo`).
    static func assignments(layout: ParameterLayout, hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        let variant = try hyper.string("variant", default: "distributed", allowed: ["distributed", "gupta2018"])
        try KroneckerShape.validate(layout, optimizer: .shampoo)
        let rule: any UpdateRule
        if variant == "gupta2018" {
            try hyper.requireKnown(GuptaShampoo.keys, optimizer: .shampoo, variant: "gupta2018")
            rule = try GuptaShampoo(hyper: hyper)
        } else {
            try hyper.requireKnown(keys, optimizer: .shampoo)
            rule = try Shampoo(hyper: hyper)
        }
        let all = RoleAssignment(rule: rule)
        return [.hidden: all, .embedding: all, .vector: all]
    }
}

extension Shampoo {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
