/// How Muon and Scion's spectral LMO orthogonalise a matrix: Newton–Schulz quintic steps, their
/// coefficients, and where ε enters the Frobenius normalisation (docs/optimizers.md §4.2, §7).
///
/// The two eps placements of the references:
///
///     add    X / (‖X‖_F + ε)        KellerJordan muon.py, LIONS-EPFL scion.py
///     clamp  X / max(‖X‖_F, ε)      torch.optim.Muon, pytorch-optimizer (SCION, the study's Scion)
///
/// They differ by a relative ε/‖X‖_F in the normalised input, which is below Float32 resolution for
/// ‖X‖ ≈ 1 but 1% at ‖X‖ = 1e-5 and a factor of 2 at ‖X‖ = ε. NS runs in Float32 through
/// `NewtonSchulz<Float>` by default (docs/optimizers.md §9.1 says why), or in the
/// references' bf16 through `BFloat16NewtonSchulz` (its doc lists where it rounds).
///
/// Hyperparameter keys (reference names): `ns_steps` (5), `ns_eps` (1e-7), `ns_eps_mode`
/// ("add" | "clamp"; the default depends on the optimizer), `ns_coefficients` ([a, b, c], default
/// KellerJordan's (3.4445, −4.7750, 2.0315)), `ns_dtype` ("float32" | "bfloat16", default
/// "float32").
public struct Orthogonalization: Sendable, Equatable {
    public enum EpsilonMode: String, Sendable, CaseIterable {
        case add, clamp
    }

    public var steps: Int
    public var a: Double
    public var b: Double
    public var c: Double
    public var epsilon: Double
    public var epsilonMode: EpsilonMode
    public var precision: NewtonSchulzPrecision

    /// The hyperparameter keys this configuration reads.
    public static let hyperKeys: Set<String> = ["ns_steps", "ns_eps", "ns_eps_mode", "ns_coefficients", "ns_dtype"]

    public init(steps: Int = 5,
                coefficients: (a: Double, b: Double, c: Double) = NewtonSchulz<Float>.defaultCoefficients,
                epsilon: Double = 1e-7, epsilonMode: EpsilonMode = .add, precision: NewtonSchulzPrecision = .float32) {
        precondition(steps >= 0, "Newton–Schulz steps must be non-negative")
        precondition(epsilon > 0 && epsilon.isFinite, "Newton–Schulz eps must be positive")
        self.steps = steps
        (a, b, c) = coefficients
        self.epsilon = epsilon
        self.epsilonMode = epsilonMode
        self.precision = precision
    }

    /// Reads `ns_steps`, `ns_eps`, `ns_eps_mode`, `ns_coefficients` and `ns_dtype`; `defaultMode`
    /// is the eps placement of the optimizer's reference.
    public init(hyper: Hyper, defaultMode: EpsilonMode) throws {
        let steps = try hyper.int("ns_steps", default: 5)
        guard steps >= 0, steps <= 100 else {
            throw QScopeError.badInput("hyperparameter ns_steps must be between 0 and 100 (got \(steps))")
        }
        let eps = try hyper.number("ns_eps", default: 1e-7)
        // A zero eps would turn a zero momentum into 0/0; Float32 cannot hold less than ~1e-38.
        guard eps.isFinite, eps >= 1e-30 else {
            throw QScopeError.badInput("hyperparameter ns_eps must be a positive number ≥ 1e-30 (got \(eps))")
        }
        let mode = try hyper.string("ns_eps_mode", default: defaultMode.rawValue,
                                    allowed: EpsilonMode.allCases.map(\.rawValue))
        var coefficients = NewtonSchulz<Float>.defaultCoefficients
        if let list = try hyper.numbers("ns_coefficients") {
            guard list.count == 3, list.allSatisfy(\.isFinite) else {
                throw QScopeError.badInput("hyperparameter ns_coefficients must be three numbers [a, b, c]")
            }
            coefficients = (list[0], list[1], list[2])
        }
        let dtype = try hyper.string("ns_dtype", default: NewtonSchulzPrecision.float32.rawValue,
                                     allowed: NewtonSchulzPrecision.allCases.map(\.rawValue))
        self.init(steps: steps, coefficients: coefficients, epsilon: eps,
                  epsilonMode: EpsilonMode(rawValue: mode)!, precision: NewtonSchulzPrecision(rawValue: dtype)!)
    }

    /// A workspace for rows×cols matrices (allocated once; keep it in `TensorState.workspace`).
    public func makeWorkspace(rows: Int, cols: Int) -> OrthogonalizationWorkspace {
        OrthogonalizationWorkspace(rows: rows, cols: cols, configuration: self)
    }

    /// The workspace kept in `state` for a rows×cols parameter, created on the first update (the
    /// one allocation; later updates reuse it).
    func workspace(in state: TensorState, rows: Int, cols: Int) -> OrthogonalizationWorkspace {
        if let ws = state.workspace as? OrthogonalizationWorkspace, ws.rows == rows, ws.cols == cols,
           ws.configuration == self {
            return ws
        }
        let ws = makeWorkspace(rows: rows, cols: cols)
        state.workspace = ws
        return ws
    }
}

/// Scratch for one shape: the caller writes the matrix into `buffer`, `run()` replaces it by its
/// orthogonalisation. Not thread-safe; one per parameter tensor.
public final class OrthogonalizationWorkspace {
    public let rows: Int
    public let cols: Int
    public let configuration: Orthogonalization
    /// rows×cols, row-major: the input of `run()`, then its output.
    public let buffer: UnsafeMutablePointer<Float>
    private let engine: Engine
    /// ε as Float, the value both engines add to the norm.
    private let epsilonFloat: Float

    init(rows: Int, cols: Int, configuration: Orthogonalization) {
        precondition(rows >= 1 && cols >= 1, "orthogonalisation needs a non-empty matrix, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.configuration = configuration
        buffer = .allocate(capacity: rows * cols)
        buffer.initialize(repeating: 0, count: rows * cols)
        let coefficients = (configuration.a, configuration.b, configuration.c)
        switch configuration.precision {
        case .float32:
            engine = .float32(NewtonSchulz<Float>(rows: rows, cols: cols, coefficients: coefficients,
                                                  epsilon: configuration.epsilon))
        case .bfloat16:
            engine = .bfloat16(BFloat16NewtonSchulz(rows: rows, cols: cols, coefficients: coefficients,
                                                    epsilon: configuration.epsilon))
        }
        epsilonFloat = Float(configuration.epsilon)
    }

    deinit { buffer.deallocate() }

    /// The Newton–Schulz workspace of the configured precision.
    private enum Engine {
        case float32(NewtonSchulz<Float>)
        case bfloat16(BFloat16NewtonSchulz)
    }

    /// Orthogonalises `buffer` in place. A non-finite input (a NaN or Inf momentum) cannot be
    /// orthogonalised; the buffer is then filled with NaN so the parameter, and the next loss, show
    /// the divergence instead of the parameter silently freezing. Returns false in that case.
    @discardableResult
    public func run() -> Bool {
        let count = rows * cols
        if configuration.epsilonMode == .clamp { clampNormalisation(count: count) }
        do {
            switch engine {
            case .float32(let ns): try ns.orthogonalize(buffer, into: buffer, steps: configuration.steps)
            case .bfloat16(let ns): try ns.orthogonalize(buffer, into: buffer, steps: configuration.steps)
            }
            return true
        } catch {
            buffer.update(repeating: .nan, count: count)
            return false
        }
    }

    /// Both Newton–Schulz engines divide by fl(‖X‖) + ε (the "add" placement). For "clamp" the
    /// input is rescaled first so that the same division yields X / max(‖X‖, ε):
    ///
    /// - ‖X‖ ≥ ε: scale X by k = 2^j, the smallest power of two with k·‖X‖ ≥ 2^25·ε. Then ε is
    ///   below half an ulp of fl(k‖X‖), so fl(k‖X‖) + ε rounds back to fl(k‖X‖). Scaling by a power
    ///   of two is exact (the Double sum of squares scales by 4^j, its square root by 2^j), so the
    ///   division (kX)/(k‖X‖) gives bit for bit X/‖X‖: exactly the clamp in Float32. Rounding to
    ///   bf16 commutes with the power-of-two scaling, and ε stays below half a bf16 ulp too, so
    ///   the bf16 engine gets the exact clamp as well.
    /// - 0 < ‖X‖ < ε: scale X by k = ε/(ε − ‖X‖); then k‖X‖ + ε = kε and the result is X/ε, up to
    ///   a few Float32 roundings.
    /// - ‖X‖ = 0 or non-finite: unchanged (NS maps 0 to 0, and rejects NaN/Inf).
    private func clampNormalisation(count: Int) {
        let norm = Kernels.sumOfSquares(buffer, count: count).squareRoot()
        guard norm > 0, norm.isFinite else { return }
        let normFloat = Float(norm)
        let k: Float
        if normFloat >= epsilonFloat {
            let target = Double(epsilonFloat) * 0x1p25
            guard Double(normFloat) < target else { return }
            k = Float(sign: .plus, exponent: Int((target / Double(normFloat)).log2Ceiling), significand: 1)
        } else {
            k = Float(Double(epsilonFloat) / (Double(epsilonFloat) - Double(normFloat)))
        }
        for i in 0..<count { buffer[i] *= k }
    }
}

private extension Double {
    /// ⌈log2(self)⌉ for self ≥ 1, exact at powers of two.
    var log2Ceiling: Int {
        let e = Int(exponent)  // self = m·2^e, 1 ≤ m < 2
        return significand == 1 ? e : e + 1
    }
}
