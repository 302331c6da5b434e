import Analysis
import Core

/// One run's line of the Compare page: losses in full precision, after PTQ and with QAT, and
/// the probe's summary statistics, each nil when not measured (yet).
struct CompareRow: Sendable {
    var run: RunSnapshot
    /// A full-precision run's validation loss (the PTQ baseline when measured); nil for QAT runs.
    var fullPrecisionLoss: Double?
    /// W4A4 round-to-nearest loss minus the full-precision loss of the same weights.
    var rtnIncrease: Double?
    var gptqIncrease: Double?
    /// A QAT run's validation loss.
    var qatLoss: Double?
    /// `qatLoss` minus the full-precision loss of the run with the same optimizer and model.
    var qatGap: Double?
    var meanMMR: Double?
    var meanKurtosis: Double?
    var meanRMSKurtosis: Double?
    /// R_L: the relative squared error at the logits.
    var outputError: Double?

    /// The rows of `runs`, sorted by run id.
    static func rows(_ runs: [RunSnapshot]) -> [CompareRow] {
        let sorted = runs.sorted { $0.id < $1.id }
        let base = sorted.map(CompareRow.init(run:))
        return base.map { row in
            var row = row
            if let qatLoss = row.qatLoss,
               let baseline = base.first(where: { $0.run.qat == nil && $0.run.optimizer == row.run.optimizer
                                                  && $0.run.model == row.run.model })?.fullPrecisionLoss {
                row.qatGap = qatLoss - baseline
            }
            return row
        }
    }

    init(run: RunSnapshot) {
        self.run = run
        if run.qat == nil {
            fullPrecisionLoss = run.ptq?.fullPrecision ?? run.valLoss
        } else {
            qatLoss = run.valLoss
        }
        if let ptq = run.ptq {
            rtnIncrease = ptq.rtn - ptq.fullPrecision
            gptqIncrease = ptq.gptq.map { $0 - ptq.fullPrecision }
        }
        meanMMR = run.layers?.mean(.mmr)
        meanKurtosis = run.layers?.mean(.kurtosis)
        meanRMSKurtosis = run.layers?.mean(.rmsKurtosis)
        outputError = run.propagation.flatMap { $0.modules.isEmpty ? nil : $0.outputError }
    }
}

/// How well one statistic predicts the PTQ loss increase across runs (docs/analysis.md §3.5 reports
/// ρ = +0.62 for MMR, +0.70 for kurtosis and −0.89 for R_L against PTQ accuracy).
struct Predictor: Sendable {
    var label: String
    var exportName: String
    var pearson: Double?
    var spearman: Double?
    /// Runs that have both the statistic and a PTQ summary.
    var count: Int

    static let statistics: [(label: String, exportName: String, value: @Sendable (CompareRow) -> Double?)] = [
        ("mean MMR", "mean_mmr", { $0.meanMMR }),
        ("mean kurtosis", "mean_kurtosis", { $0.meanKurtosis }),
        ("mean rms-kurtosis", "mean_rms_kurtosis", { $0.meanRMSKurtosis }),
        ("R_L", "r_l", { $0.outputError }),
    ]

    /// One predictor per statistic, over the rows that have it and a PTQ loss increase (both
    /// finite: a non-finite value counts as not measured).
    static func all(_ rows: [CompareRow]) -> [Predictor] {
        func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
        let measured = rows.compactMap { row in finite(row.rtnIncrease).map { (row: row, increase: $0) } }
        return statistics.map { statistic in
            let correlation = Predictors.correlation(statistic.exportName,
                                                     measured.map { (finite(statistic.value($0.row)), $0.increase) })
            return Predictor(label: statistic.label, exportName: statistic.exportName, pearson: correlation.pearson,
                             spearman: correlation.spearman, count: correlation.count)
        }
    }
}
