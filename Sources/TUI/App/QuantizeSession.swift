import Analysis
import Core
import Foundation

/// The Quantize worker's evaluator of one run's weights, kept between jobs so that a key
/// costs one evaluation rather than a rebuild.
///
/// Lives on the worker thread only: `PlanEvaluator` holds raw buffers and is not `Sendable`,
/// and nothing here escapes the thread but the `QuantizeMeasurement` values it returns.
final class QuantizeSession {
    /// Sequences per batch and the validation batches they are spread like: the probe's
    /// calibration batch shape (`StudyProbe`: 4 sequences of the run's length).
    static let sequences = 4
    /// Training batches GPTQ calibrates on: fewer than `qscope quantize`'s 8, to keep a key
    /// under a second on `s`.
    static let gptqBatches = 4
    /// Weights older than this are asked for again, so the numbers follow training while a burst
    /// of keys still compares plans on one copy.
    static let maximumWeightAge = 5.0
    /// How long to wait for a trainer to hand over its weights (it does so between steps).
    static let weightTimeout = 30.0

    private var evaluator: PlanEvaluator?
    private var source: (runID: Int, version: Int, refresh: Int, step: Int, fetched: Double)?

    /// Thrown when a job is given up while waiting for weights: the worker is stopping, or a
    /// job for another run has come in.
    struct Abandoned: Error {}

    /// Measures `job`'s plan (allocating it first when asked); `progress` hears each stage,
    /// and while the trainer has yet to hand over weights, `abandon` is asked whether to wait on.
    func run(_ job: QuantizeJob, progress: (String) -> Void, abandon: () -> Bool) throws -> QuantizeMeasurement {
        let (evaluator, step) = try evaluator(for: job, progress: progress, abandon: abandon)
        let plan: ResolvedQuantization
        var allocated: Double?
        switch job.task {
        case .evaluate(let given):
            plan = given
        case .allocate(let bits, let method):
            progress("allocating \(Format.fit(bits, width: 4)) bits")
            let allocator = try BitAllocator(menu: QuantizeState.menu, method: method, layout: evaluator.layout,
                                             config: evaluator.config)
            // ABC: one propagation pass per menu width, the cheapest of the greedy strategies.
            plan = try allocator.allocate(.abc, averageBits: bits,
                                          sensitivity: evaluator.sensitivity(for: .abc, allocator: allocator))
            allocated = bits
        }
        progress("evaluating")
        let start = QuantizeWorker.now()
        let evaluation = try evaluator.evaluate(plan)
        let milliseconds = (QuantizeWorker.now() - start) * 1000
        return QuantizeMeasurement(runID: job.runID, plan: plan, fullPrecisionLoss: evaluation.fullPrecisionLoss,
                                   quantizedLoss: evaluation.quantizedLoss, propagation: evaluation.propagation,
                                   footprint: evaluation.footprint, weightsStep: step, evaluationMs: milliseconds,
                                   latencyMs: milliseconds, allocatedBits: allocated, serial: 0)
    }

    /// The evaluator of the run's current weights. For the run and refresh in hand it never
    /// waits for the trainer: a newer copy the trainer has left is taken up, and a copy past
    /// `maximumWeightAge` is asked for anew while this key is measured on the one in hand, so
    /// the next key finds it. A new run, or `f`, waits for a fresh copy.
    private func evaluator(for job: QuantizeJob, progress: (String) -> Void,
                           abandon: () -> Bool) throws -> (PlanEvaluator, Int) {
        guard let share = job.weights else {
            throw QScopeError.badInput("this run trains in another process: its weights are not here")
        }
        let weights: SharedWeights
        if let evaluator, let source, source.runID == job.runID, source.refresh == job.refresh {
            guard let latest = share.latest, latest.version > source.version else {
                if !job.runEnded, QuantizeWorker.now() - source.fetched >= Self.maximumWeightAge { share.request() }
                return (evaluator, source.step)
            }
            weights = latest
        } else {
            weights = try fetch(share, runEnded: job.runEnded, progress: progress, abandon: abandon)
        }
        progress("copying weights")
        // Drop the old evaluator first: two models at once would double the memory for nothing.
        evaluator = nil
        let parameters = Tensor(shape: [weights.values.count], values: weights.values)
        let sampler = try BatchSampler(corpus: weights.corpus, batch: Self.sequences, seq: weights.spec.seq,
                                       seed: weights.spec.seed)
        let built = try PlanEvaluator(config: weights.spec.model, parameters: parameters, batch: Self.sequences,
                                      seq: weights.spec.seq, sampler: sampler, evalBatches: 1, propagationBatches: 1,
                                      calibrationBatches: Self.gptqBatches,
                                      validationSplit: StudyProbe.evalBatchesDefault)
        evaluator = built
        source = (job.runID, weights.version, job.refresh, weights.step, QuantizeWorker.now())
        return (built, weights.step)
    }

    /// A copy of the run's parameters: asked of its trainer, which copies them between steps;
    /// the last one it left when the run has ended.
    private func fetch(_ share: WeightShare, runEnded: Bool, progress: (String) -> Void,
                       abandon: () -> Bool) throws -> SharedWeights {
        if runEnded {
            guard let latest = share.latest else {
                throw QScopeError.runtime("the run ended before the dashboard could keep its weights")
            }
            return latest
        }
        progress("fetching weights")
        let before = share.latest?.version ?? 0
        share.request()
        let deadline = QuantizeWorker.now() + Self.weightTimeout
        while QuantizeWorker.now() < deadline {
            if let latest = share.latest, latest.version > before { return latest }
            if abandon() { throw Abandoned() }
            Thread.sleep(forTimeInterval: 0.002)
        }
        throw QScopeError.runtime("the run did not hand over its weights within \(Int(Self.weightTimeout)) s")
    }
}
