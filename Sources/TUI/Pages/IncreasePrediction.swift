import Core

/// The loss increase a plan's final error predicts, calibrated on the run's own earlier
/// measurements: increase ≈ k × measure, a least-squares line through the origin over the
/// probe's W4A4 RTN increases against that probe's output KL (or R at the logits where the
/// reports have no KL), then k × the plan's own measure (docs/dashboard.md §10).
struct IncreasePrediction: Equatable, Sendable {
    enum Measure: String, Sendable {
        case outputKL = "KL"
        case outputError = "R_L"
    }

    /// The slope k of increase against the measure.
    var slope: Double
    var measure: Measure
    /// The probe measurements the fit used.
    var points: Int
    /// k × the plan's measure.
    var predicted: Double

    /// The prediction for a plan whose propagation is `report`, from `history`; nil without a
    /// usable point or when the plan lacks the measure the history has.
    init?(history: [ProbePoint], report: PropagationReport) {
        let withKL = history.filter { $0.outputKL?.isFinite == true }
        let pairs: [(x: Double, y: Double)]
        let value: Double
        if !withKL.isEmpty, let kl = report.outputKL, kl.isFinite {
            measure = .outputKL
            pairs = withKL.map { ($0.outputKL!, $0.increase) }
            value = kl
        } else {
            measure = .outputError
            pairs = history.map { ($0.outputError, $0.increase) }
            value = report.outputError
        }
        let usable = pairs.filter { $0.x.isFinite && $0.y.isFinite && $0.x > 0 }
        let xx = usable.reduce(0) { $0 + $1.x * $1.x }, xy = usable.reduce(0) { $0 + $1.x * $1.y }
        guard xx > 0, value.isFinite else { return nil }
        slope = xy / xx
        points = usable.count
        predicted = slope * value
    }
}
