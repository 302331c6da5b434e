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
/// loss (from the snapshot kept there) and at its end, each sweep run's outlier metrics at its
/// end (for the learning-rate figure), and the bit allocations of each optimizer's compared run
/// at the common loss. Measurements already in the store are kept.
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
        /// Uniform against allocated bits (`AllocationMeasurement`), at the common loss.
        case allocation
    }

    /// The settings a measurement of `run` at `point` depends on, its key in the store.
    static func settings(_ point: Point, of run: StoredStudyRun, spec: StudySpec) -> String {
        point == .allocation ? spec.ptq.key + " " + spec.allocation.key(parameters: run.parameters) : spec.ptq.key
    }

    func settings(of job: Job) -> String { Self.settings(job.point, of: job.run, spec: plan.spec) }

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
        let compared = plan.spec.allocation.enabled ? Set(StudyResults.comparedRuns(chosen, spec: plan.spec).map(\.id)) : []
        var jobs: [Job] = []
        for run in chosen {
            let paths = RunPaths(checkpoint: plan.checkpoint(of: run.id))
            if let limit = common.first(where: { $0.size == run.size })?.loss,
               let step = try CommonLoss.firstStep(of: run.id, atOrBelow: limit, in: store) {
                jobs.append(Job(run: run, point: .common, step: step, path: paths.evalSnapshot(step: step)))
                if compared.contains(run.id) {
                    jobs.append(Job(run: run, point: .allocation, step: step, path: paths.evalSnapshot(step: step)))
                }
            }
            jobs.append(Job(run: run, point: .final, step: run.step, path: paths.checkpoint))
        }
        for run in runs where run.stage == .sweep && run.isFinished {
            jobs.append(Job(run: run, point: .sweep, step: run.step, path: plan.checkpoint(of: run.id)))
        }
        return jobs
    }

    /// The stored measurement `job` asks for, if taken.
    func stored<T: Decodable>(_ type: T.Type, _ job: Job) throws -> T? {
        try store.measurement(type, run: job.run.id, point: job.point.rawValue, step: job.step, settings: settings(of: job))
    }

    /// Whether the store holds `job`'s measurement.
    func isTaken(_ job: Job) throws -> Bool {
        job.point == .allocation ? try stored(AllocationMeasurement.self, job) != nil
                                 : try stored(StudyMeasurement.self, job) != nil
    }

    /// Writes `job`'s stored measurement as a file beside its run (cluster mode), if taken.
    func writeFile(_ job: Job) throws {
        func write<T: Codable>(_ type: T.Type) throws {
            guard let value = try stored(type, job) else { return }
            try StudyRunFiles.writeMeasurement(value, run: job.run.id, point: job.point.rawValue, step: job.step,
                                               settings: settings(of: job), plan: plan)
        }
        if job.point == .allocation { try write(AllocationMeasurement.self) } else { try write(StudyMeasurement.self) }
    }

    /// Takes `jobs` (all of them by default) that the store does not hold yet. False when interrupted.
    func measureAll(_ selected: [Job]? = nil) throws -> Bool {
        BLAS.useEveryCore()
        defer { BLAS.threads = 1 }
        let jobs = try selected ?? self.jobs()
        onEvent(.measuring(runs: jobs.count))
        for (index, job) in jobs.enumerated() {
            if interrupted() { return false }
            if try !isTaken(job) { try take(job) }
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

    /// Measures `job` and stores the measurement.
    private func take(_ job: Job) throws {
        func put<T: Encodable>(_ value: T) throws {
            try store.putMeasurement(value, run: job.run.id, point: job.point.rawValue, step: job.step,
                                     settings: settings(of: job))
        }
        if job.point == .allocation {
            try put(try AllocationMeasurement.measure(path: job.path, step: job.step, corpus: corpus,
                                                      setting: plan.spec.allocation, ptq: plan.spec.ptq))
        } else {
            try put(try measure(path: job.path, run: job.run, point: job.point, step: job.step))
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
