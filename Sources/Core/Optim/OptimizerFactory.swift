/// Builds the study's optimizers by name, each with its parameter groups as in the study's code
/// (paper.md §1): hidden matrices, the tied embedding/head, and vector parameters.
public enum OptimizerFactory {
    /// Every optimizer qscope implements, in the order the dashboard shows them.
    public static let names = ["adamw", "muon", "shampoo", "soap", "scion", "psgd"]

    /// Builds `name` for `layout`; `hyper` overrides the reference's defaults (unknown keys throw).
    public static func make(_ name: String, layout: ParameterLayout, hyper: Hyper = Hyper()) throws -> Optimizer {
        switch name {
        case "adamw": return try AdamW.optimizer(layout: layout, hyper: hyper)
        case "shampoo": return try Shampoo.optimizer(layout: layout, hyper: hyper)
        case "soap": return try SOAP.optimizer(layout: layout, hyper: hyper)
        case "muon": return try Muon.optimizer(layout: layout, hyper: hyper)
        case "scion": return try Scion.optimizer(layout: layout, hyper: hyper)
        case "psgd": return try PSGDKron.optimizer(layout: layout, hyper: hyper)
        default:
            throw QScopeError.badInput("unknown optimizer '\(name)'; choose one of: \(names.joined(separator: ", "))")
        }
    }

    /// The peak learning rate a run uses when none is given: the best of `qscope sweep-lr` on the
    /// `tiny` model for the default schedule and budget.
    public static func defaultPeakLearningRate(_ name: String) -> Float {
        switch name {
        case "adamw", "muon", "scion": return 1e-2
        case "psgd": return 4e-3
        case "shampoo": return 1.2e-2
        case "soap": return 2.4e-2
        default: return 3e-3
        }
    }

    /// The reference implementation's default learning rate (used when `hyper` has no `lr`).
    public static func referenceLearningRate(_ name: String) -> Float {
        switch name {
        case "muon": return 0.02
        case "shampoo": return 1e-2
        case "soap": return 3e-3
        case "scion": return 1e-3
        case "psgd": return 1e-3
        default: return 1e-3
        }
    }
}
