/// Muon: momentum orthogonalised by Newton–Schulz (Jordan et al. 2024), as KellerJordan's
/// `SingleDeviceMuon` / `muon_update` and `torch.optim.Muon` (docs/optimizers.md §4):
///
///     B ← B + (1 − β)·(g − B)                     lerp(B, g, 1 − β), B starts at 0
///     u ← g + β·(B − g) if nesterov else B        lerp(g, B, β)
///     O ← NS5(u)                                  Frobenius-normalised, `Orthogonalization`
///     p ← p·(1 − lr·wd)                           decoupled decay with the UNadjusted lr
///     p ← p − lr·s·O
///
/// with s = sqrt(max(1, rows/cols)) ("keller", KellerJordan and torch's "original") or
/// 0.2·sqrt(max(rows, cols)) ("match_rms_adamw", Moonlight; torch's `adjust_lr_fn`).
///
/// Hyperparameters (reference names): lr, weight_decay (0), momentum (0.95), nesterov (true),
/// ns_steps (5), scaling ("keller"), ns_eps (1e-7), ns_eps_mode ("add", KellerJordan; "clamp" is
/// torch.optim.Muon), ns_coefficients ([3.4445, −4.7750, 2.0315]). Only 2-D parameters.
///
/// State: one buffer per parameter ("momentum_buffer"); the NS scratch lives in the state's
/// workspace. The reference runs NS in bf16 (entries off by up to 5e-2); here it is Float32.
public struct Muon: UpdateRule {
    public enum Scaling: String, Sendable, CaseIterable {
        /// sqrt(max(1, rows/cols)): KellerJordan, torch's default `adjust_lr_fn`.
        case keller
        /// 0.2·sqrt(max(rows, cols)): the update's RMS matches AdamW's (Moonlight, Kimi).
        case matchRMSAdamW = "match_rms_adamw"

        public func factor(rows: Int, cols: Int) -> Float {
            switch self {
            case .keller: return Float(Swift.max(1, Double(rows) / Double(cols)).squareRoot())
            case .matchRMSAdamW: return Float(0.2 * Double(Swift.max(rows, cols)).squareRoot())
            }
        }
    }

    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var scaling: Scaling
    public var orthogonalization: Orthogonalization

    public init(momentum: Float = 0.95, nesterov: Bool = true, weightDecay: Float = 0, scaling: Scaling = .keller,
                orthogonalization: Orthogonalization = Orthogonalization(epsilonMode: .add)) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.scaling = scaling
        self.orthogonalization = orthogonalization
    }

    public func stateSlots(for parameter: ParameterInfo) -> [StateSlot] {
        precondition(parameter.shape.count == 2,
                     "Muon acts on 2-D matrices; \(parameter.name) has shape \(parameter.shape)")
        return [StateSlot("momentum_buffer", shape: parameter.shape)]
    }

    public func update(parameter p: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
                       info: ParameterInfo, state: TensorState, lr: Float) {
        let rows = info.shape[0], cols = info.shape[1]
        let ws = orthogonalization.workspace(in: state, rows: rows, cols: cols)
        let buf = state.tensors[0].data, u = ws.buffer
        let beta = momentum, w = 1 - momentum
        if nesterov {
            for i in 0..<p.count {
                let gi = g[i]
                let b = buf[i] + w * (gi - buf[i])
                buf[i] = b
                u[i] = gi + beta * (b - gi)
            }
        } else {
            for i in 0..<p.count {
                let b = buf[i] + w * (g[i] - buf[i])
                buf[i] = b
                u[i] = b
            }
        }
        ws.run()
        let decay = 1 - lr * weightDecay
        let stepSize = lr * scaling.factor(rows: rows, cols: cols)
        for i in 0..<p.count { p[i] = p[i] * decay - stepSize * u[i] }
    }
}

extension Muon {
    /// The keys `Muon.optimizer` accepts besides lr, weight_decay and momentum.
    static let hyperKeys: Set<String> = Orthogonalization.hyperKeys.union(["nesterov", "scaling"])

    /// Muon from reference-named hyperparameters, defaulting to KellerJordan's `SingleDeviceMuon`
    /// (momentum 0.95, Nesterov, 5 steps, "add" eps, "keller" scaling, no weight decay).
    public init(hyper: Hyper) throws {
        let momentum = try hyper.float("momentum", default: 0.95)
        guard momentum >= 0, momentum < 1 else {
            throw QScopeError.badInput("muon momentum must be in [0, 1) (got \(momentum))")
        }
        let scaling = try hyper.string("scaling", default: Scaling.keller.rawValue,
                                       allowed: Scaling.allCases.map(\.rawValue))
        self.init(momentum: momentum, nesterov: try hyper.bool("nesterov", default: true),
                  weightDecay: try hyper.float("weight_decay", default: 0), scaling: Scaling(rawValue: scaling)!,
                  orthogonalization: try Orthogonalization(hyper: hyper, defaultMode: .add))
    }

    /// The study's Muon (docs/optimizers.md §4.4, `gvlassis/ant` parametrizations.py): hidden matrices get
    /// Muon at the scheduled rate; the tied embedding/head and the vector parameters get AdamW at a
    /// fixed 3e-3 (still shaped by the schedule), betas (0.9, 0.95), eps 1e-6, with the same
    /// weight decay.
    static func assignments(hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        try hyper.requireKnown(hyperKeys, optimizer: .muon)
        let adamW = RoleAssignment(
            rule: AdamW(beta1: 0.9, beta2: 0.95, eps: 1e-6, weightDecay: try hyper.float("weight_decay", default: 0)),
            learningRate: .fixed(3e-3))
        return [.hidden: RoleAssignment(rule: try Muon(hyper: hyper)), .embedding: adamW, .vector: adamW]
    }
}

extension Muon {
    public func cost(for parameter: ParameterInfo) -> Double { matrixProductCost(for: parameter) }
}
