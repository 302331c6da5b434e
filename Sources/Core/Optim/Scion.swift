/// Scion: steps along a linear minimisation oracle (LMO) of a per-layer norm (Pethick et al. 2025,
/// "Training Deep Learning Models with Norm-Constrained LMOs"), as LIONS-EPFL `scion.py` and
/// pytorch-optimizer's `SCION`, the class the study uses (docs/optimizers.md §7):
///
///     p ← p·(1 − lr·wd)                  pytorch-optimizer only, and only when unconstrained
///     d ← (1 − μ)·d + μ·g                μ = "1 − usual momentum", the weight of the NEW gradient;
///                                        d starts at 0; μ = 1 keeps no buffer (d = g)
///     update = scale · LMO(d)
///     p ← p·(1 − lr) if constrained      (keeps p in the radius-`scale` ball)
///     p ← p − lr·update
///
/// LMOs, for a (d_out, d_in) = (rows, cols) matrix:
/// - spectral: NS5(d)·s, s = sqrt(d_out/d_in) if normalized else sqrt(d_out), `max` ⇒ max(1, s);
/// - sign: sign(d)/d_in if normalized else sign(d) (sign(0) = 0);
/// - identity: d itself (pytorch-optimizer's base `Norm`, the study's norm_type 8 for vectors:
///   plain momentum SGD).
///
/// Hyperparameters (reference names): lr, weight_decay (0), momentum (0.1), norm ("spectral" |
/// "sign"), scale (1), constrained (false), normalized (true), max (false), ns_steps (5),
/// ns_eps (1e-7), ns_eps_mode ("clamp", pytorch-optimizer; LIONS-EPFL's scion.py is "add"),
/// ns_coefficients ([3.4445, −4.7750, 2.0315]).
public struct Scion: UpdateRule {
    public enum LMO: Sendable, Equatable {
        case spectral(normalized: Bool, max: Bool)
        case sign(normalized: Bool)
        case identity
    }

    /// The weight of the new gradient in the buffer (1 − the usual momentum); 1 keeps no buffer.
    public var momentum: Float
    public var lmo: LMO
    public var scale: Float
    public var constrained: Bool
    /// Decoupled, lr-scaled; ignored when constrained (the constraint already shrinks p by 1 − lr).
    public var weightDecay: Float
    public var orthogonalization: Orthogonalization

    public init(momentum: Float = 0.1, lmo: LMO, scale: Float = 1, constrained: Bool = false,
                weightDecay: Float = 0, orthogonalization: Orthogonalization = Orthogonalization(epsilonMode: .clamp)) {
        precondition(momentum > 0 && momentum <= 1, "Scion momentum (the new gradient's weight) must be in (0, 1]")
        self.momentum = momentum
        self.lmo = lmo
        self.scale = scale
        self.constrained = constrained
        self.weightDecay = weightDecay
        self.orthogonalization = orthogonalization
    }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        if lmo != .identity {
            precondition(parameter.shape.count == 2,
                         "Scion's \(lmo) LMO acts on 2-D matrices; \(parameter.name) has shape \(parameter.shape)")
        }
        return momentum == 1 ? [] : [StateSlot("d", shape: parameter.shape)]
    }

    public func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        let n = p.count
        // d: the buffer after the EMA, or the gradient itself when μ = 1.
        let d: UnsafePointer<Float>
        if momentum == 1 {
            d = g.baseAddress!
        } else {
            let buf = state.tensors[0].data, mu = momentum, keep = 1 - momentum
            for i in 0..<n { buf[i] = keep * buf[i] + mu * g[i] }
            d = UnsafePointer(buf)
        }
        let decay = constrained ? 1 - lr : 1 - lr * weightDecay
        switch lmo {
        case .identity:
            let c = lr * scale
            for i in 0..<n { p[i] = p[i] * decay - c * d[i] }
        case .sign(let normalized):
            let dIn = info.shape[1]
            let c = lr * scale * (normalized ? 1 / Float(dIn) : 1)
            for i in 0..<n {
                let x = d[i]
                let s: Float = x > 0 ? 1 : (x < 0 ? -1 : x)  // sign(±0) = ±0, sign(NaN) = NaN
                p[i] = p[i] * decay - c * s
            }
        case .spectral(let normalized, let useMax):
            let rows = info.shape[0], cols = info.shape[1]
            let ws = orthogonalization.workspace(in: state, rows: rows, cols: cols)
            ws.buffer.update(from: d, count: n)
            ws.run()
            var s = normalized ? (Double(rows) / Double(cols)).squareRoot() : Double(rows).squareRoot()
            if useMax { s = Swift.max(1, s) }
            let c = lr * scale * Float(s)
            let o = ws.buffer
            for i in 0..<n { p[i] = p[i] * decay - c * o[i] }
        }
    }
}

extension Scion {
    /// The keys `Scion.optimizer` accepts besides lr, weight_decay and momentum.
    static let hyperKeys: Set<String> = Orthogonalization.hyperKeys.union(
        ["norm", "scale", "constrained", "normalized", "max"])

    /// The Scion rule `hyper` describes (norm, scale, constrained, normalized, max, ns_*), with
    /// pytorch-optimizer's defaults: momentum 0.1, spectral, scale 1, unconstrained, "clamp" eps.
    public init(hyper: Hyper) throws {
        let momentum = try Self.momentum(hyper)
        let normalized = try hyper.bool("normalized", default: true)
        let lmo: LMO
        switch try hyper.string("norm", default: "spectral", allowed: ["spectral", "sign"]) {
        case "sign": lmo = .sign(normalized: normalized)
        default: lmo = .spectral(normalized: normalized, max: try hyper.bool("max", default: false))
        }
        let scale = try hyper.float("scale", default: 1)
        guard scale > 0, scale.isFinite else { throw QScopeError.badInput("scion scale must be positive (got \(scale))") }
        self.init(momentum: momentum, lmo: lmo, scale: scale, constrained: try hyper.bool("constrained", default: false),
                  weightDecay: try hyper.float("weight_decay", default: 0),
                  orthogonalization: try Orthogonalization(hyper: hyper, defaultMode: .clamp))
    }

    private static func momentum(_ hyper: Hyper) throws -> Float {
        let momentum = try hyper.float("momentum", default: 0.1)
        guard momentum > 0, momentum <= 1 else {
            throw QScopeError.badInput(
                "scion momentum is the new gradient's weight (1 − the usual momentum) and must be in (0, 1] (got \(momentum))")
        }
        return momentum
    }

    /// The study's Scion (docs/optimizers.md §7.2; `gvlassis/ant` parametrizations.py at ba11291, pytorch-
    /// optimizer SCION, unconstrained, scale 1, decoupled weight decay, momentum 1 − 0.9 = 0.1):
    /// - hidden matrices: the rule `hyper` describes (spectral by default) at the scheduled rate;
    /// - the tied embedding/head, stored (V, C): sign LMO, sign(d)/C (the head is Linear(C→V), so
    ///   d_in = C, the column count), at a fixed lr 1;
    /// - vector parameters: no LMO (plain momentum SGD) at a fixed lr 3e-3.
    /// The fixed rates are still shaped by the schedule. `momentum` and `weight_decay` apply to
    /// every group; norm, scale, constrained, normalized, max and ns_* to the hidden group only
    /// (a constrained embedding at lr 1 would be multiplied by 1 − 1 = 0).
    static func assignments(hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        try hyper.requireKnown(hyperKeys, optimizer: .scion)
        let momentum = try momentum(hyper), wd = try hyper.float("weight_decay", default: 0)
        let embedding = Scion(momentum: momentum, lmo: .sign(normalized: true), weightDecay: wd)
        let vector = Scion(momentum: momentum, lmo: .identity, weightDecay: wd)
        return [
            .hidden: RoleAssignment(rule: try Scion(hyper: hyper)),
            .embedding: RoleAssignment(rule: embedding, learningRate: .fixed(1)),
            .vector: RoleAssignment(rule: vector, learningRate: .fixed(3e-3)),
        ]
    }
}

extension Scion {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
