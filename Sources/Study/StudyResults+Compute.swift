import Analysis
import Core
import Foundation

extension StudyResults {
    /// Computes every table from the runs and measurements in `store` (a study still running
    /// gets the tables so far).
    public static func compute(from store: RunStore, spec: StudySpec) throws -> StudyResults {
        let runs = try store.plannedRuns()
        let choices = try store.result([RateChoice].self, key: "rates") ?? []
        let chosen = try chosenFullPrecision(runs, choices: choices)
        let settings = spec.ptq.key
        let commonLoss = try store.result([CommonLoss].self, key: "common_loss") ?? []
        func measured(_ run: StoredStudyRun, _ point: StudyMeasurements.Point) throws -> StudyMeasurement? {
            guard let step = try stepOf(run, point, commonLoss: commonLoss, store: store) else { return nil }
            return try store.measurement(StudyMeasurement.self, run: run.id, point: point.rawValue, step: step,
                                         settings: settings)
        }
        var results = StudyResults(
            name: spec.name,
            sizes: spec.sizes.map { size in
                let model = size.model()
                return Size(name: model.name, parameters: model.parameterCount,
                            nonEmbeddingParameters: model.nonEmbeddingParameterCount,
                            steps: StudyPlan(spec: spec, directory: "").steps(for: model))
            },
            optimizers: spec.optimizers, seeds: spec.seeds.count, rates: choices,
            commonLoss: commonLoss,
            cells: [], correlations: [], fits: [], samples: [], sweep: [], propagation: [], scaling: [],
            scalingParameters: spec.scalingParameters, precision: recorded(spec.precision))
        let qat = runs.filter { $0.qat && $0.isFinished }
        for size in results.sizes.map(\.name) {
            for optimizer in spec.optimizers {
                let fp = chosen.filter { $0.size == size && $0.optimizer == optimizer }
                let quantized = qat.filter { $0.size == size && $0.optimizer == optimizer }
                let common = try fp.compactMap { try measured($0, .common) }
                let final = try fp.compactMap { try measured($0, .final) }
                var values: [String: Intervals.Estimate] = [:]
                func put(_ key: String, _ samples: [Double]) { values[key] = Intervals.mean(samples) }
                put("fp_loss", fp.compactMap(\.valLoss))
                put("rtn_increase", common.map(\.measurement.ptqIncrease))
                put("gptq_increase", common.compactMap(\.gptqIncrease))
                put("rtn_increase_final", final.map(\.measurement.ptqIncrease))
                put("gptq_increase_final", final.compactMap(\.gptqIncrease))
                put("qat_loss", quantized.compactMap(\.valLoss))
                let gaps = quantized.compactMap { q -> (Double, Double)? in
                    guard let full = fp.first(where: { $0.seed == q.seed })?.valLoss, let loss = q.valLoss else { return nil }
                    return (loss - full, (loss - full) / full * 100)
                }
                put("qat_gap", gaps.map(\.0))
                put("qat_gap_relative", gaps.map(\.1))
                for (name, _) in common.first?.measurement.metrics ?? [] {
                    put(name, common.compactMap { m in m.measurement.metrics.first { $0.name == name }?.value })
                }
                results.cells.append(Cell(size: size, optimizer: optimizer, values: values))
                for (run, m) in zip(fp, try fp.map { try measured($0, .common) }) {
                    guard let m else { continue }
                    var predictors: [String: Double] = [:]
                    for (name, value) in m.measurement.metrics { predictors[name] = value }
                    results.samples.append(Sample(size: size, optimizer: optimizer, seed: run.seed,
                                                  rtnIncrease: m.measurement.ptqIncrease, predictors: predictors))
                }
            }
        }
        results.correlations = correlations(results.samples, sizes: results.sizes.map(\.name))
        for run in runs where run.stage == .sweep {
            results.sweep.append(SweepPoint(size: run.size, optimizer: run.optimizer, learningRate: run.learningRate,
                                            valLoss: run.isFinished ? run.valLoss : nil,
                                            mmr: try measured(run, .sweep)?.measurement.mmr))
        }
        let compared = comparedRuns(chosen, spec: spec)
        for run in compared {
            guard let m = try measured(run, .common) else { continue }
            results.propagation.append(Profile(optimizer: run.optimizer, size: run.size, modules: m.measurement.propagation.modules))
        }
        results.allocation = try allocationCurves(compared, spec: spec, commonLoss: commonLoss, store: store)
        results.scaling = (chosen + qat).compactMap { run in
            run.valLoss.map { ScalingPoint(optimizer: run.optimizer, nonEmbeddingParameters: run.nonEmbeddingParameters,
                                           parameters: run.parameters, quantized: run.qat, loss: $0) }
        }
        results.fits = spec.optimizers.map { fit($0, results.scaling, counting: spec.scalingParameters) }
        return results
    }

    /// The step at which `run` was measured at `point`: its first evaluation at or below the
    /// common loss, or its last step.
    static func stepOf(_ run: StoredStudyRun, _ point: StudyMeasurements.Point, commonLoss: [CommonLoss],
                       store: RunStore) throws -> Int? {
        guard point == .common else { return run.step }
        guard let limit = commonLoss.first(where: { $0.size == run.size })?.loss else { return nil }
        return try CommonLoss.firstStep(of: run.id, atOrBelow: limit, in: store)
    }

    /// Each predictor's Pearson and Spearman correlation with the RTN increase, per size and
    /// pooled, with stratified bootstrap intervals over seeds.
    static func correlations(_ samples: [Sample], sizes: [String]) -> [CorrelationRow] {
        let predictors = ["mmr", "kurtosis", "rms_kurtosis", "r_l", "r_final", "kl"]
        var rows: [CorrelationRow] = []
        for scope in sizes + ["pooled"] {
            let scoped = samples.filter { scope == "pooled" || $0.size == scope }
            let strata = Dictionary(grouping: scoped) { "\($0.size)/\($0.optimizer)" }.sorted { $0.key < $1.key }.map(\.value)
            for predictor in predictors {
                let groups = strata.map { group in
                    group.compactMap { s in s.predictors[predictor].flatMap { $0.isFinite ? (x: $0, y: s.rtnIncrease) : nil } }
                }.filter { !$0.isEmpty }
                rows.append(CorrelationRow(scope: scope, predictor: predictor,
                                           pearson: Intervals.correlation(groups, using: Correlation.pearson),
                                           spearman: Intervals.correlation(groups, using: Correlation.spearman)))
            }
        }
        return rows
    }

    /// The scaling law of `optimizer` over its full-precision and QAT points.
    static func fit(_ optimizer: OptimizerKind, _ points: [ScalingPoint], counting: ParameterCount) -> Fit {
        let mine = points.filter { $0.optimizer == optimizer }
        do {
            let law = try ScalingLaw.fitWithIntervals(mine.map {
                ScalingLaw.Point(parameters: Double(counting == .total ? $0.parameters : $0.nonEmbeddingParameters),
                                 quantized: $0.quantized, loss: $0.loss)
            })
            return Fit(optimizer: optimizer, points: mine.count, a: law.fit.scale, alpha: law.alpha,
                       irreducible: law.irreducible, efficiency: mine.contains(where: \.quantized) ? law.efficiency : nil,
                       error: nil)
        } catch {
            return Fit(optimizer: optimizer, points: mine.count, a: nil, alpha: nil, irreducible: nil, efficiency: nil,
                       error: "\(error)")
        }
    }
}
