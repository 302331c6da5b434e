/// PSGD Kron: preconditioned SGD with a Kronecker-factored preconditioner P = QᵀQ fitted online
/// to gradient/noise pairs (Li, "Preconditioned Stochastic Gradient Descent", 2015/2018), as
/// the two libraries that ship it do it (docs/optimizers.md §8; the `psgd_*` golden notes).
///
/// Per step t (1-based), for a parameter seen as an m×n matrix G with factors Q_L (m) and Q_R (n):
///
///     m ← β·m + (1 − β)·g ;  m̂ = m / (1 − βᵗ)
///     if balance (2-D only):  Q_i ← Q_i · gmean_j(max|Q_j|) / max|Q_i|
///     if update:  V ~ N(0, 1)                      (or the next injected `noise` matrix)
///                 kron_torch only: m̂ ← m̂ + √noise_eps · mean|m̂| · V   (in place: P uses it too)
///                 A = Q_L m̂ Q_Rᵀ ;  B = Q_L⁻ᵀ V Q_R⁻¹                (triangular solves)
///                 for each factor (A, B fixed):  T1 = A·Aᵀ / Aᵀ·A,  T2 likewise from B
///                     d = precond_lr·(T1 − T2) ;  s = T1 + T2
///                     triangular:  Q ← Q − triu(d) / lb(s) · Q     (lb: a spectral-norm lower bound)
///                     diagonal:    q ← q − d ⊙ q / max|s|
///     P = (Q_LᵀQ_L) m̂ (Q_RᵀQ_R) ;  P ← P · min(1, clip_rms / (rms(P) + clip_eps))
///     p ← p − lr·(P + wd·p)                        (weight decay on 2-D and larger only)
///
/// A factor is triangular (upper, stored as a full square) when its size is at most
/// `max_size_triangular`, not 1, and the tensor has at least `min_ndim_triangular` dimensions;
/// otherwise it is a diagonal (a vector). So 1-D parameters get one diagonal factor. Tensors of
/// more than two dimensions are merged to a matrix as kron_torch does (`merge_dims=True`;
/// pytorch-optimizer would keep a factor per dimension, and qscope's models have no such tensor).
///
/// **Variants** (`variant`), one implementation with the few places they differ:
/// - `pytorch_optimizer` (default): pytorch-optimizer 4.1.0 `Kron`, the class the study's code
///   calls (docs/optimizers.md §8.6). No noise enters m̂ (V only enters B); divisors add `tiny`
///   (lb + tiny, max|s| + tiny); clip eps 1e-6; balance with prod^(1/n); the balance coin is
///   `balance_prob`.
/// - `kron_torch`: kron-torch 0.3.3 `Kron`. Noise enters m̂ in place; divisors are clamped
///   (max(lb, tiny)); clip eps 1e-12; balance with exp(mean log); coin probability 0.01.
///
/// **Weight decay.** The study passes `weight_decouple=True`; pytorch-optimizer stores that flag
/// but never reads it: both libraries add `weight_decay·p` to the clipped direction, so
/// p ← p·(1 − lr·wd) − lr·P, a decay tied to lr and skipped for 1-D parameters.
///
/// **When the preconditioner moves.** Both references decide once per step for all tensors with
/// a deterministic counter (not a coin): `counter += 1; update = counter ≥ 1/prob(n)` with n the
/// 0-based step, then the counter resets. prob is `precond_update_probability` if it is a number,
/// else the schedule clamp(exp(−0.001·(n − 500)), 0.03, 1): every step for 500 steps, then every
/// ⌈1/prob⌉ steps, every 34th from about step 4000. A tensor's counter is a pure function of its
/// step count, so it needs no state and resumes exactly.
///
/// **Randomness.** V and the balance coin come from the project's `RNG`, on streams derived from
/// (`seed`, the tensor's offset in the layout, the step) and (`seed`, the step): identical on
/// every machine, for any number of optimizer threads and after a resume, and the coin is shared
/// by all tensors as in the references. `seed` (default 42) is the one key beyond the references'. For replaying a
/// reference run, `noise` (one matrix per preconditioner update, in order; used by tensors of the
/// same size), `precond_update_steps` and `balance_steps` (1-based) override all three.
public struct PSGDKron: UpdateRule {
    /// The reference implementation followed where the two differ.
    public enum Variant: String, Sendable, CaseIterable {
        /// pytorch-optimizer 4.1.0 `Kron` (the study's).
        case pytorchOptimizer = "pytorch_optimizer"
        /// kron-torch 0.3.3 `Kron` (evanatyourservice).
        case kronTorch = "kron_torch"
    }

    public var variant: Variant
    /// β of the momentum (kron_torch's `b1`).
    public var momentum: Double
    public var weightDecay: Double
    public var precondLR: Double
    public var precondInitScale: Double
    public var updateProbability: UpdateProbability
    public var maxSizeTriangular: Int
    public var minNdimTriangular: Int
    /// Fit the preconditioner to m̂ (true, both references' default) or to the raw gradient.
    public var momentumIntoPrecondUpdate: Bool
    /// kron_torch's noise into m̂, √noise_eps·mean|m̂|·V; nil adds none (pytorch_optimizer).
    public var noiseEps: Double?
    /// The guard on the divisors (clamp or add, by variant).
    public var tiny: Float
    public var clipRMS: Double
    public var clipEps: Double
    /// Probability that a step which updates the preconditioner also balances its factors.
    public var balanceProb: Double
    /// Seed of the noise and balance streams.
    public var seed: UInt64
    /// Injected noise, one matrix (row-major) per preconditioner update of a tensor, in order.
    public var noise: [[Float]]?
    /// Injected 1-based steps that update the preconditioner (sorted); nil follows the counter.
    public var precondUpdateSteps: [Int]?
    /// Injected 1-based steps that balance the factors; nil draws the coin.
    public var balanceSteps: Set<Int>?

    /// Working buffers, checked out per update: one set per tensor updated at the same time
    /// (the optimizer's lanes), each sized for the largest tensor it has served.
    let scratch = ScratchPool()

    public init(variant: Variant = .pytorchOptimizer, momentum: Double = 0.9, weightDecay: Double = 0,
                precondLR: Double = 0.1, precondInitScale: Double = 1,
                updateProbability: UpdateProbability = .reference, maxSizeTriangular: Int = 8192,
                minNdimTriangular: Int = 2, momentumIntoPrecondUpdate: Bool = true, seed: UInt64 = 42) {
        self.variant = variant
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.precondLR = precondLR
        self.precondInitScale = precondInitScale
        self.updateProbability = updateProbability
        self.maxSizeTriangular = maxSizeTriangular
        self.minNdimTriangular = minNdimTriangular
        self.momentumIntoPrecondUpdate = momentumIntoPrecondUpdate
        noiseEps = variant.defaultNoiseEps
        tiny = Float.leastNormalMagnitude
        clipRMS = 1.1
        clipEps = variant.defaultClipEps
        balanceProb = 0.01
        self.seed = seed
    }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        let g = geometry(parameter.shape)
        var slots = [StateSlot("momentum_buffer", shape: parameter.shape)]
        if let left = g.left { slots.append(StateSlot("Q0", shape: left.shape)) }
        slots.append(StateSlot(g.left == nil ? "Q0" : "Q1", shape: g.right.shape))
        return slots
    }

    public func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        let geo = geometry(info.shape)
        let count = p.count
        let t = state.step
        let mom = state.tensors[0].data
        let qL: UnsafeMutablePointer<Float>? = geo.left == nil ? nil : state.tensors[1].data
        let qR = state.tensors[geo.left == nil ? 1 : 2].data
        if t == 1 { initializeFactors(geo, qL: qL, qR: qR) }
        scratch.withScratch(count: count, side: Swift.max(geo.rows, geo.cols), square: geo.maxTriangularSide) { buf in
            step(p, g, t: t, offset: info.offset, geo: geo, state: state, mom: mom, qL: qL, qR: qR, lr: lr, buf: buf)
        }
    }

    private func step(_ p: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, t: Int, offset: Int,
                      geo: Geometry, state: TensorState, mom: UnsafeMutablePointer<Float>,
                      qL: UnsafeMutablePointer<Float>?, qR: UnsafeMutablePointer<Float>, lr: Float, buf: Scratch) {
        let count = p.count

        // Momentum and its bias correction (in the references' order: m·β + (1−β)·g, then ÷).
        let beta = Float(momentum), oneMinusBeta = Float(1 - momentum)
        let correction = Float(1 - Math.pow(momentum, Double(t)))
        let mh = buf.mh
        for i in 0..<count {
            let m = mom[i] * beta + oneMinusBeta * g[i]
            mom[i] = m
            mh[i] = m / correction
        }

        let memo = scheduleMemo(state)
        let (doUpdate, updateIndex) = decision(step: t, memo: memo)
        let doBalance = balanceSteps.map { $0.contains(t) } ?? (doUpdate && balanceCoin(step: t))
        if doBalance, let qL, geo.isMatrix { balance(geo, qL: qL, qR: qR) }

        if doUpdate {
            fillNoise(buf.noise, count: count, offset: offset, step: t, index: updateIndex)
            // The matrix the factors are fitted to: m̂ itself (kron_torch perturbs it in place, so
            // the noisy m̂ is also what gets preconditioned below) or a copy of the gradient.
            let fitted: UnsafeMutablePointer<Float>
            if momentumIntoPrecondUpdate {
                fitted = mh
            } else {
                fitted = buf.gradient
                fitted.update(from: g.baseAddress!, count: count)
            }
            if let eps = noiseEps { addNoise(fitted, noise: buf.noise, count: count, eps: eps) }
            updatePreconditioner(geo, qL: qL, qR: qR, fitted: fitted, buf: buf)
        }

        // P = (Q_LᵀQ_L) m̂ (Q_RᵀQ_R), its RMS clipped, then the step.
        let pre = precondition(geo, qL: qL, qR: qR, mh: mh, buf: buf)
        let rms = Float((Kernels.sumOfSquares(pre, count: count) / Double(count)).squareRoot())
        let clip = Swift.min(1, Float(clipRMS) / (rms + Float(clipEps)))
        let wd = geo.originalNdim >= 2 ? Float(weightDecay) : 0
        for i in 0..<count {
            let direction = pre[i] * clip + wd * p[i]
            p[i] = p[i] - lr * direction
        }
    }
}

// MARK: - Variant overrides

extension PSGDKron.Variant {
    /// kron_torch adds √eps_f32·mean|m̂|·V to m̂; pytorch-optimizer adds no noise to it.
    var defaultNoiseEps: Double? { self == .kronTorch ? Double(Float.ulpOfOne) : nil }

    /// The eps in the RMS clip 1.1/(rms + eps).
    var defaultClipEps: Double { self == .kronTorch ? 1e-12 : 1e-6 }

    /// A divisor guarded against zero: kron_torch clamps it, pytorch-optimizer adds `tiny`.
    @inline(__always)
    func guarded(_ x: Float, tiny: Float) -> Float { self == .kronTorch ? Swift.max(x, tiny) : x + tiny }

    /// pytorch-optimizer's lower bound clamps the norm it normalises by; kron_torch's does not.
    var clampsLowerBoundNorm: Bool { self == .pytorchOptimizer }

    /// The geometric mean of the factors' max-abs norms: exp(mean log) (kron_torch) or
    /// prod^(1/n) (pytorch-optimizer).
    func geometricMean(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .kronTorch: return Float(Math.exp((Math.log(Double(a)) + Math.log(Double(b))) / 2))
        case .pytorchOptimizer: return Float(Math.pow(Double(a * b), 0.5))
        }
    }
}

// MARK: - Construction from reference-named hyperparameters

extension PSGDKron {
    /// The keys `psgd` takes besides lr, weight_decay and momentum.
    public static let hyperKeys: Set<String> = [
        "variant", "precond_lr", "precond_init_scale", "precond_update_probability", "max_size_triangular",
        "min_ndim_triangular", "memory_save_mode", "momentum_into_precond_update", "noise_eps", "tiny",
        "clip_rms", "clip_eps", "balance_prob", "noise", "precond_update_steps", "balance_steps", "seed",
    ]

    /// PSGD Kron from reference-named hyperparameters; each absent key takes the variant's default.
    public init(hyper: Hyper) throws {
        let name = try hyper.string("variant", default: Variant.pytorchOptimizer.rawValue,
                                    allowed: Variant.allCases.map(\.rawValue))
        let variant = Variant(rawValue: name)!
        let beta = try hyper.number("momentum", default: 0.9)
        guard beta >= 0, beta < 1 else { throw QScopeError.badInput("psgd: momentum must be in [0, 1) (got \(beta))") }
        let wd = try hyper.number("weight_decay", default: 0)
        guard wd >= 0 else { throw QScopeError.badInput("psgd: weight_decay must be non-negative (got \(wd))") }
        let probability: UpdateProbability
        if let p = try hyper.optionalNumber("precond_update_probability") {
            guard p > 0, p <= 1 else {
                throw QScopeError.badInput("psgd: precond_update_probability must be in (0, 1] (got \(p))")
            }
            probability = .constant(p)
        } else {
            probability = .reference
        }
        if let mode = hyper["memory_save_mode"], mode != .null {
            throw QScopeError.badInput("psgd: only memory_save_mode null is supported (got \(mode))")
        }
        let seed = try hyper.int("seed", default: 42)
        guard seed >= 0 else { throw QScopeError.badInput("psgd: seed must be non-negative (got \(seed))") }
        self.init(variant: variant, momentum: beta, weightDecay: wd,
                  precondLR: try hyper.number("precond_lr", default: 0.1),
                  precondInitScale: try hyper.number("precond_init_scale", default: 1),
                  updateProbability: probability,
                  maxSizeTriangular: try hyper.int("max_size_triangular", default: 8192),
                  minNdimTriangular: try hyper.int("min_ndim_triangular", default: 2),
                  momentumIntoPrecondUpdate: try hyper.bool("momentum_into_precond_update", default: true),
                  seed: UInt64(seed))
        guard precondInitScale > 0 else {
            throw QScopeError.badInput("psgd: precond_init_scale must be positive (got \(precondInitScale))")
        }
        // noise_eps: null (or absent) is the variant's default, 0 turns the noise off.
        if let eps = try hyper.optionalNumber("noise_eps") {
            guard eps >= 0 else { throw QScopeError.badInput("psgd: noise_eps must be non-negative (got \(eps))") }
            noiseEps = eps > 0 ? eps : nil
        }
        // The references' tiny is that of their dtype; a float64 tiny (as in the float64
        // goldens) underflows in Float, where the smallest normal plays its part.
        let tinyValue = try hyper.number("tiny", default: Double(Float.leastNormalMagnitude))
        tiny = Float(tinyValue) == 0 && tinyValue > 0 ? Float.leastNormalMagnitude : Float(tinyValue)
        clipRMS = try hyper.number("clip_rms", default: 1.1)
        clipEps = try hyper.number("clip_eps", default: variant.defaultClipEps)
        balanceProb = try hyper.number("balance_prob", default: 0.01)
        noise = try hyper.matrices("noise")
        precondUpdateSteps = try hyper.integers("precond_update_steps")?.sorted()
        balanceSteps = try hyper.integers("balance_steps").map(Set.init)
    }

    /// The study's PSGD: every parameter (2-D triangular, 1-D diagonal) at the scheduled rate,
    /// as `pytorch_optimizer.Kron(lr, momentum, weight_decay, weight_decouple=True,
    /// max_size_triangular=8192, min_ndim_triangular=2, memory_save_mode=None)` (docs/optimizers.md §8.6).
    static func assignments(hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        try hyper.requireKnown(hyperKeys, optimizer: .psgd)
        let all = RoleAssignment(rule: try PSGDKron(hyper: hyper))
        return [.hidden: all, .embedding: all, .vector: all]
    }
}

private extension Hyper {
    /// A number, or nil when absent or null.
    func optionalNumber(_ key: String) throws -> Double? {
        guard let value = values[key], value != .null else { return nil }
        return try number(key, default: 0)
    }
}

extension PSGDKron {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
