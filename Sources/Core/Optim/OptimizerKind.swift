/// The study's six optimizers: the one place each one's name, factory, learning rates and
/// hyperparameter keys live (docs/optimizers.md).
///
/// Every name a user types (a flag, a TOML key, a checkpoint, the dashboard's form) becomes an
/// `OptimizerKind` at the edge through `init(named:)`, and an unknown name is an error there.
public enum OptimizerKind: String, NamedChoice {
    // The names are spelled out: checkpoints, logs and run files store them, so renaming a case
    // must not change them.
    case adamw = "adamw", muon = "muon", shampoo = "shampoo", soap = "soap", scion = "scion", psgd = "psgd"

    public static let noun = "optimizer"

    /// Which rule each parameter role gets, built from `hyper` (unknown keys and bad values
    /// throw). Allocates no optimizer state, so it doubles as the hyperparameters' validation.
    public func assignments(layout: ParameterLayout, hyper: Hyper) throws -> [ParameterRole: RoleAssignment] {
        switch self {
        case .adamw: return try AdamW.assignments(hyper: hyper)
        case .muon: return try Muon.assignments(hyper: hyper)
        case .shampoo: return try Shampoo.assignments(layout: layout, hyper: hyper)
        case .soap: return try SOAP.assignments(layout: layout, hyper: hyper)
        case .scion: return try Scion.assignments(hyper: hyper)
        case .psgd: return try PSGDKron.assignments(hyper: hyper)
        }
    }

    /// The optimizer for `layout` with its state allocated; `hyper` overrides the reference's
    /// defaults.
    public func make(layout: ParameterLayout, hyper: Hyper = Hyper()) throws -> Optimizer {
        Optimizer(name: rawValue, layout: layout, assignments: try assignments(layout: layout, hyper: hyper))
    }

    /// Checks `hyper` for `layout` without allocating any optimizer state.
    public func validate(layout: ParameterLayout, hyper: Hyper) throws {
        _ = try assignments(layout: layout, hyper: hyper)
    }

    /// The peak learning rate a run uses when none is given: the best of `qscope sweep-lr` on
    /// the `tiny` model for the default schedule and budget.
    public var defaultPeakLearningRate: Float {
        switch self {
        case .adamw, .muon, .scion: return 1e-2
        case .psgd: return 4e-3
        case .shampoo: return 1.2e-2
        case .soap: return 2.4e-2
        }
    }

    /// The reference implementation's default learning rate (replays use it when `hyper` has
    /// no `lr`).
    public var referenceLearningRate: Float {
        switch self {
        case .muon: return 0.02
        case .shampoo: return 1e-2
        case .soap: return 3e-3
        case .adamw, .scion, .psgd: return 1e-3
        }
    }

    /// The hyperparameter keys this optimizer takes (besides `lr`, `weight_decay` and
    /// `momentum`, which every optimizer takes).
    public var hyperparameterKeys: Set<String> {
        switch self {
        case .adamw: return AdamW.hyperKeys
        case .muon: return Muon.hyperKeys
        case .shampoo: return Shampoo.keys.union(GuptaShampoo.keys)
        case .soap: return SOAP.keys
        case .scion: return Scion.hyperKeys
        case .psgd: return PSGDKron.hyperKeys
        }
    }

    /// `hyper` with what a run ties to its own seed: PSGD draws its preconditioner noise from a
    /// seed of its own, which follows the run's unless given.
    public func hyper(_ hyper: Hyper, runSeed: UInt64) -> Hyper {
        guard self == .psgd, hyper["seed"] == nil else { return hyper }
        var tied = hyper
        tied["seed"] = .number(Double(runSeed))
        return tied
    }
}
