import Analysis
import Core
import Foundation

/// What the study measured of one full-precision run at one checkpoint: the PTQ losses, the
/// outlier metrics, the ABC decomposition and the final error three ways (`Predictors.Measurement`),
/// and GPTQ's loss increase.
public struct StudyMeasurement: Sendable, Codable, Equatable {
    /// The step of the checkpoint measured.
    public var step: Int
    public var measurement: Predictors.Measurement
    /// GPTQ weights with RTN inputs; nil when the spec turns GPTQ off.
    public var gptqIncrease: Double?
}

/// The common loss of each size, and the measurements taken at it and at the end of training.
public struct CommonLoss: Sendable, Codable, Equatable {
    public var size: String
    /// The lowest validation loss every chosen full-precision run reaches (docs/analysis.md §5).
    public var loss: Double
    /// The run that bounds it (reaches the least).
    public var limitedBy: String

    /// The step of run `id`'s first evaluation at or below `limit`: where it is measured.
    static func firstStep(of id: String, atOrBelow limit: Double, in store: RunStore) throws -> Int? {
        try store.evaluations(id).first { $0.loss <= limit }?.step
    }
}

/// Measures every chosen full-precision run at its first evaluation at or below its size's common
/// loss (from the snapshot kept there) and at its end, and each sweep run's outlier metrics at its
/// end (for the learning-rate figure). Measurements already in the store are kept.
struct StudyMeasurements {
    let plan: StudyPlan
    let store: RunStore
    let corpus: Corpus
    let onEvent: (StudyEvent) -> Void
    let interrupted: () -> Bool

    /// Where a measurement is taken.
    enum Point: String {
        case common, final
        /// Sweep runs: the outlier metrics only, at the end.
        case sweep
    }

    var settings: String { plan.spec.ptq.key }

    /// One measurement to take: a run, where, at which step, from which file.
    struct Job {
        let run: StoredStudyRun
        let point: Point
        let step: Int
        let path: String
    }

    /// Every measurement the study takes, once its runs are done; records the common losses.
    func jobs() throws -> [Job] {
        let runs = try store.plannedRuns()
        let chosen = try StudyResults.chosenFullPrecision(runs, choices: try store.result([RateChoice].self, key: "rates") ?? [])
        let common = try commonLosses(chosen)
        try store.putResult(common, key: "common_loss")
        var jobs: [Job] = []
        for run in chosen {
            let paths = RunPaths(checkpoint: plan.checkpoint(of: run.id))
            if let limit = common.first(where: { $0.size == run.size })?.loss,
               let step = try CommonLoss.firstStep(of: run.id, atOrBelow: limit, in: store) {
                jobs.append(Job(run: run, point: .common, step: step, path: paths.evalSnapshot(step: step)))
            }
            jobs.append(Job(run: run, point: .final, step: run.step, path: paths.checkpoint))
        }
        for run in runs where run.stage == .sweep && run.isFinished {
            jobs.append(Job(run: run, point: .sweep, step: run.step, path: plan.checkpoint(of: run.id)))
        }
        return jobs
    }

    /// The stored measurement `job` asks for, if taken.
    func stored(_ job: Job) throws -> StudyMeasurement? {
        try store.measurement(StudyMeasurement.self, run: job.run.id, point: job.point.rawValue, step: job.step,
                              settings: settings)
    }

    /// Takes `jobs` (all of them by default) that the store does not hold yet. False when interrupted.
    func measureAll(_ selected: [Job]? = nil) throws -> Bool {
        BLAS.useEveryCore()
        defer { BLAS.threads = 1 }
        let jobs = try selected ?? self.jobs()
        onEvent(.measuring(runs: jobs.count))
        for (index, job) in jobs.enumerated() {
            if interrupted() { return false }
            if try stored(job) == nil {
                try store.putMeasurement(try measure(path: job.path, run: job.run, point: job.point, step: job.step),
                                         run: job.run.id, point: job.point.rawValue, step: job.step, settings: settings)
            }
            onEvent(.measured(done: index + 1, total: jobs.count))
        }
        return true
    }

    /// Per size: the largest of the chosen runs' best validation losses.
    private func commonLosses(_ chosen: [StoredStudyRun]) throws -> [CommonLoss] {
        try plan.spec.sizes.map { $0.model().name }.compactMap { size in
            var worst: (loss: Double, run: String)?
            for run in chosen where run.size == size {
                guard let best = try store.evaluations(run.id).map(\.loss).min() else { continue }
                if best > worst?.loss ?? -.infinity { worst = (best, "\(run.optimizer) seed \(run.seed)") }
            }
            return worst.map { CommonLoss(size: size, loss: $0.loss, limitedBy: $0.run) }
        }
    }

    private func measure(path: String, run: StoredStudyRun, point: Point, step: Int) throws -> StudyMeasurement {
        let file = try Safetensors.read(path: path), p = plan.spec.ptq
        let light = point == .sweep
        let measurement = try Predictors.measure(name: run.optimizer.rawValue, file: file, path: path, corpus: corpus,
                                                 evalBatches: light ? 1 : p.evalBatches,
                                                 propagationBatches: light ? 1 : p.propagationBatches,
                                                 bits: p.bits, actBits: p.actBits)
        var gptq: Double?
        if p.gptq && !light {
            gptq = try PTQ.run(file: file, path: path, corpus: corpus,
                               weights: .gptq(try GPTQ(bits: p.bits, symmetric: true), calibrationBatches: p.calibrationBatches),
                               input: try RoundToNearest(bits: p.actBits), evalBatches: p.evalBatches, perLayer: false).increase
        }
        return StudyMeasurement(step: step, measurement: measurement, gptqIncrease: gptq)
    }
}
