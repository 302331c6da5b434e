import Analysis
import Core
import Foundation

/// The study's answers, computed from the store: the paper's tables at this scale with every
/// cell a mean and 95% interval over seeds, the predictors' correlations with bootstrap
/// intervals, the scaling-law fits with leave-one-out intervals, and the data behind the figures.
public struct StudyResults: Sendable, Codable, Equatable {
    public var name: String
    public var sizes: [Size]
    public var optimizers: [OptimizerKind]
    public var seeds: Int
    public var rates: [RateChoice]
    public var commonLoss: [CommonLoss]
    public var cells: [Cell]
    public var correlations: [CorrelationRow]
    public var fits: [Fit]
    /// One point per measured run at the common loss (Fig. 1).
    public var samples: [Sample]
    /// Every sweep run: rate, final validation loss and MMR (Fig. 2 and the sweep curves).
    public var sweep: [SweepPoint]
    /// The ABC decomposition per module at the common loss, per optimizer, largest size, first seed.
    public var propagation: [Profile]
    /// Final validation losses of the chosen runs, full precision and QAT (the scaling figure).
    public var scaling: [ScalingPoint]
    /// What the fits' N counts (nil in results written before the choice existed: non-embedding).
    public var scalingParameters: ParameterCount?
    /// Uniform against allocated bits per optimizer, on the runs `propagation` profiles (nil when
    /// none was measured: the spec turns it off, or the store predates the measurement).
    public var allocation: [AllocationCurve]?
    /// The matrix products the runs trained with; nil for fp32 (so fp32 results read and write as
    /// they did before the field existed).
    public var precision: MatmulPrecision?

    /// `precision` as results record a spec's: nil for fp32.
    public static func recorded(_ precision: MatmulPrecision) -> MatmulPrecision? { precision == .fp32 ? nil : precision }

    public struct Size: Sendable, Codable, Equatable {
        public var name: String
        public var parameters: Int
        public var nonEmbeddingParameters: Int
        public var steps: Int
    }

    /// One (size, optimizer): each value a mean over seeds with its interval.
    public struct Cell: Sendable, Codable, Equatable {
        public var size: String
        public var optimizer: OptimizerKind
        public var values: [String: Intervals.Estimate]
    }

    /// The keys of `Cell.values`, in table order, with their headings.
    public static let cellColumns: [(key: String, title: String)] = [
        ("fp_loss", "FP val loss"), ("rtn_increase", "+RTN @CL"), ("gptq_increase", "+GPTQ @CL"),
        ("rtn_increase_final", "+RTN @end"), ("gptq_increase_final", "+GPTQ @end"), ("qat_loss", "QAT val loss"),
        ("qat_gap", "QAT gap"), ("qat_gap_relative", "QAT gap %"), ("mmr", "MMR"), ("kurtosis", "kurtosis"),
        ("rms_kurtosis", "RMS kurtosis"), ("r_l", "R logits"), ("r_final", "R final hidden"), ("kl", "KL"),
    ]

    public struct CorrelationRow: Sendable, Codable, Equatable {
        /// A size's name, or `pooled`.
        public var scope: String
        public var predictor: String
        public var pearson: Intervals.Estimate?
        public var spearman: Intervals.Estimate?
    }

    public struct Fit: Sendable, Codable, Equatable {
        public var optimizer: OptimizerKind
        public var points: Int
        public var a: Double?
        public var alpha: Intervals.Estimate?
        public var irreducible: Intervals.Estimate?
        public var efficiency: Intervals.Estimate?
        /// Why there is no fit.
        public var error: String?
    }

    public struct Sample: Sendable, Codable, Equatable {
        public var size: String
        public var optimizer: OptimizerKind
        public var seed: UInt64
        public var rtnIncrease: Double
        public var predictors: [String: Double]
    }

    public struct SweepPoint: Sendable, Codable, Equatable {
        public var size: String
        public var optimizer: OptimizerKind
        public var learningRate: Double
        public var valLoss: Double?
        public var mmr: Double?
    }

    public struct Profile: Sendable, Codable, Equatable {
        public var optimizer: OptimizerKind
        public var size: String
        public var modules: [ModuleError]
    }

    public struct ScalingPoint: Sendable, Codable, Equatable {
        public var optimizer: OptimizerKind
        public var nonEmbeddingParameters: Int
        public var parameters: Int
        public var quantized: Bool
        public var loss: Double
    }

    /// The run each optimizer is compared on, per module (Fig. 3 and 4) and in the allocation
    /// figure: the chosen full-precision run of the spec's last size (the largest, in the presets)
    /// and its first seed, in the spec's optimizer order.
    static func comparedRuns(_ chosen: [StoredStudyRun], spec: StudySpec) -> [StoredStudyRun] {
        guard let largest = spec.sizes.last?.model().name else { return [] }
        return spec.optimizers.compactMap { optimizer in
            chosen.first { $0.size == largest && $0.optimizer == optimizer && $0.seed == spec.seeds[0] }
        }
    }

    /// The chosen full-precision runs: the sweep run at each chosen rate, and the other seeds.
    static func chosenFullPrecision(_ runs: [StoredStudyRun], choices: [RateChoice]) throws -> [StoredStudyRun] {
        runs.filter { run in
            guard !run.qat, run.isFinished else { return false }
            if run.stage == .seeds { return true }
            return run.stage == .sweep && choices.contains {
                $0.size == run.size && $0.optimizer == run.optimizer && $0.learningRate.map(Double.init) == run.learningRate
            }
        }
    }

    /// Saves the results under `tables` in the store.
    func save(in store: RunStore) throws { try store.putResult(self, key: "tables") }

    /// The results last computed for the study in `store`.
    public static func load(from store: RunStore) throws -> StudyResults? {
        try store.result(StudyResults.self, key: "tables")
    }
}
