import Core

/// The built-in studies.
public enum StudyPreset: String, NamedChoice {
    /// The paper's protocol shrunk to run in under half an hour on two cores: four sizes
    /// spanning 10× in parameters, all six optimizers, a 3-point rate sweep, two seeds, QuEST W4A4
    /// QAT, RTN and GPTQ at the common loss, 20 tokens per parameter.
    case quick
    /// The paper's protocol at the largest sizes this machine can train: five sizes up to `s`,
    /// the 8-point sweep, three seeds. Its estimated wall time is printed before it starts.
    case paper
    /// The whole pipeline in about a minute (a CI check, not a result).
    case smoke

    public static let noun = "preset"

    public var spec: StudySpec {
        switch self {
        case .quick:
            var spec = StudySpec(name: "quick", sizes: [StudySize(width: 24, layers: 1), StudySize(width: 36, layers: 2),
                                                        StudySize(name: "tiny"), StudySize(width: 72, layers: 2)])
            spec.lr = StudySpec.LearningRateGrid(points: 3, low: 0.5, high: 2)
            spec.seeds = [1, 2]
            spec.ptq.evalBatches = 8
            return spec
        case .paper:
            var spec = StudySpec(name: "paper", sizes: [StudySize(width: 24, layers: 1), StudySize(width: 36, layers: 2),
                                                        StudySize(name: "tiny"), StudySize(name: "xs"), StudySize(name: "s")])
            spec.lr = StudySpec.LearningRateGrid(points: 8, low: 0.125, high: 4)
            spec.seeds = [1, 2, 3]
            spec.ptq.evalBatches = 16
            spec.ptq.calibrationBatches = 8
            spec.ptq.propagationBatches = 4
            return spec
        case .smoke:
            var spec = StudySpec(name: "smoke", sizes: [StudySize(width: 12, layers: 1), StudySize(width: 24, layers: 1)])
            spec.optimizers = [.adamw, .muon, .shampoo]
            spec.tokensPerParameter = 2
            spec.batch = 4
            spec.seq = 32
            spec.evalPoints = 4
            spec.evalBatches = 2
            spec.lr = StudySpec.LearningRateGrid(points: 2, low: 0.5, high: 2)
            spec.ptq.evalBatches = 2
            spec.ptq.calibrationBatches = 1
            spec.ptq.propagationBatches = 1
            return spec
        }
    }
}

extension StudyPlan {
    /// Every run the study trains if no rate diverges: the sweep, then the other seeds and QAT.
    public var expectedRuns: [PlannedRun] {
        let choices = spec.sizes.flatMap { size in
            spec.optimizers.map { optimizer in
                RateChoice(size: size.model().name, optimizer: optimizer, learningRate: optimizer.defaultPeakLearningRate,
                           valLoss: nil, note: nil)
            }
        }
        return sweep() + followUps(chosen: choices)
    }

    /// Seconds to train every expected run `parallel` at a time, from `tokensPerSecond`, a measured
    /// single-run throughput per model size (by name); QAT counted at 0.85× and the measurements
    /// at 15% on top.
    public func estimatedSeconds(tokensPerSecond: [String: Double], parallel: Int) -> Double {
        let seconds = expectedRuns.reduce(0.0) { $0 + Self.trainingSeconds($1, tokensPerSecond: tokensPerSecond) }
        return seconds / Double(max(1, parallel)) * 1.15
    }

    /// Seconds to train `run` at its size's measured tokens/s (50K when unmeasured), QAT at 0.85×.
    static func trainingSeconds(_ run: PlannedRun, tokensPerSecond: [String: Double]) -> Double {
        let tokens = Double(run.spec.steps * run.spec.batch * run.spec.seq)
        return tokens / (tokensPerSecond[run.size] ?? 50_000) / (run.spec.qat == nil ? 1 : 0.85)
    }
}
