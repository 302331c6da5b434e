/// Learning-rate schedules as a multiplier of the peak rate, a function of the step alone.
public enum LRSchedule: Sendable, Equatable {
    /// The study's trapezoid (warm-up–stable–decay): linear warm-up from 0.001× over the first
    /// `warmup` fraction of steps, constant, then linear decay to 0 over the last `decay` fraction.
    case trapezoidal(warmup: Double, decay: Double)
    /// Linear warm-up, then a half cosine from 1 down to `floor`.
    case cosine(warmup: Double, floor: Double)
    case constant

    /// The study's default: 5% warm-up, 20% decay (docs/model.md §5.1).
    public static let study = LRSchedule.trapezoidal(warmup: 0.05, decay: 0.2)

    /// The multiplier for 0-based `step` of `total`.
    public func factor(step: Int, total: Int) -> Double {
        let total = max(total, 1)
        switch self {
        case .constant:
            return 1
        case let .trapezoidal(warmup, decay):
            let warmupSteps = warmup * Double(total), decaySteps = decay * Double(total)
            let s = Double(step)
            if s < warmupSteps { return 0.001 + (1 - 0.001) * s / warmupSteps }
            let decayStart = Double(total) - decaySteps
            if s >= decayStart, decaySteps > 0 { return max(0, (Double(total) - s) / decaySteps) }
            return 1
        case let .cosine(warmup, floor):
            let warmupSteps = warmup * Double(total)
            let s = Double(step)
            if s < warmupSteps { return 0.001 + (1 - 0.001) * s / warmupSteps }
            let progress = min(1, (s - warmupSteps) / max(Double(total) - warmupSteps, 1))
            return floor + (1 - floor) * 0.5 * (1 + Math.cos(Double.pi * progress))
        }
    }

}

/// The schedules a run can name (`--schedule`, `schedule = …` in TOML, checkpoints).
public enum ScheduleKind: String, NamedChoice {
    /// The study's warm-up–stable–decay trapezoid (`LRSchedule.study`); also read as `wsd`.
    case trapezoidal
    /// 5% warm-up, then a half cosine to 0.
    case cosine
    case constant

    public static let noun = "schedule"
    /// `wsd` (warm-up–stable–decay) is the trapezoid's other name.
    public static let aliases: [String: ScheduleKind] = ["wsd": .trapezoidal]

    /// The multiplier this kind applies over a run.
    public var schedule: LRSchedule {
        switch self {
        case .trapezoidal: return .study
        case .cosine: return .cosine(warmup: 0.05, floor: 0)
        case .constant: return .constant
        }
    }
}
