import Core

/// The predictor study of docs/analysis.md §2–§4: across models trained with different optimizers,
/// how well each candidate metric tracks the loss increase W4A4 RTN causes.
public enum Predictors {
    /// One model's PTQ damage and the candidate predictors measured on it.
    public struct Measurement: Sendable, Codable, Equatable {
        public let name: String
        public let fullPrecisionLoss: Double
        public let ptqIncrease: Double
        /// Means over linear layers of their inputs' statistics (finite values only).
        public let mmr: Double?
        public let kurtosis: Double?
        public let rmsKurtosis: Double?
        /// The ABC decomposition per module, with the output KL divergence.
        public let propagation: PropagationReport

        /// R_L, the relative squared error at the logits (docs/analysis.md §3.5).
        public var outputError: Double { propagation.outputError }

        /// The candidates by name, in a fixed order: the outlier metrics, then the final error
        /// three ways (at the logits, at the final hidden state, as the output KL divergence).
        public var metrics: [(name: String, value: Double?)] {
            [("mmr", mmr), ("kurtosis", kurtosis), ("rms_kurtosis", rmsKurtosis), ("r_l", outputError),
             ("r_final", propagation.finalHiddenError), ("kl", propagation.outputKL)]
        }
    }

    /// A metric's Pearson and Spearman correlation with the PTQ loss increase.
    public struct Correlations: Sendable {
        public let metric: String
        public let pearson: Double?
        public let spearman: Double?
        /// Models that had the metric.
        public let count: Int
    }

    /// Measures `file`'s model: W4A4 RTN PTQ on `evalBatches` validation batches, input
    /// statistics on the first, and R_L on `propagationBatches`.
    public static func measure(name: String, file: Safetensors.File, path: String, corpus: Corpus, evalBatches: Int,
                               propagationBatches: Int, bits: Int = 4, actBits: Int = 4) throws -> Measurement {
        let weight = try RoundToNearest(bits: bits), input = try RoundToNearest(bits: actBits)
        let ptq = try PTQ.run(file: file, path: path, corpus: corpus, weight: weight, input: input,
                              evalBatches: evalBatches, perLayer: false)
        let propagation = try PropagationAnalyzer.run(file: file, path: path, corpus: corpus, weight: weight,
                                                      input: input, quantizeHead: false, batches: propagationBatches)
        let stats = ptq.inputStats.keys.sorted().map { ptq.inputStats[$0]! }
        func mean(_ value: (OutlierStats) -> Double) -> Double? { Math.finiteMean(stats.map(value)) }
        return Measurement(name: name, fullPrecisionLoss: ptq.fullPrecisionLoss, ptqIncrease: ptq.increase,
                           mmr: mean(\.mmr), kurtosis: mean(\.kurtosis), rmsKurtosis: mean(\.rmsKurtosis),
                           propagation: propagation)
    }

    /// Each metric's correlation with the PTQ increase over the models that have it.
    public static func correlations(_ models: [Measurement]) -> [Correlations] {
        guard let first = models.first else { return [] }
        return first.metrics.indices.map { i in
            correlation(first.metrics[i].name, models.map { ($0.metrics[i].value, $0.ptqIncrease) })
        }
    }

    /// `metric`'s correlation with the PTQ increase over the samples that have a value for it.
    public static func correlation(_ metric: String,
                                   _ samples: [(value: Double?, ptqIncrease: Double)]) -> Correlations {
        let pairs = samples.compactMap { sample in sample.value.map { ($0, sample.ptqIncrease) } }
        let x = pairs.map(\.0), y = pairs.map(\.1)
        return Correlations(metric: metric, pearson: Correlation.pearson(x, y), spearman: Correlation.spearman(x, y),
                            count: pairs.count)
    }
}
