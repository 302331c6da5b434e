/// Hyperparameters shared by the optimizers (the CLI and config names, snake_case in TOML).
public struct OptimizerSettings: Sendable, Equatable, Codable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0

    public init() {}
}

/// Builds the named optimizers with the study's parameter groups.
public enum OptimizerFactory {
    /// Optimizer names available now.
    public static let names = ["adamw"]

    public static func make(_ name: String, layout: ParameterLayout, settings: OptimizerSettings) throws -> Optimizer {
        switch name {
        case "adamw":
            // AdamW handles every group alike at the scheduled rate (the study's baseline).
            let rule = AdamW(beta1: settings.beta1, beta2: settings.beta2, eps: settings.eps,
                             weightDecay: settings.weightDecay)
            let all = RoleAssignment(rule: rule)
            return Optimizer(name: name, layout: layout,
                             assignments: [.hidden: all, .embedding: all, .vector: all])
        default:
            throw QScopeError.badInput("unknown optimizer '\(name)'; choose one of: \(names.joined(separator: ", "))")
        }
    }
}
