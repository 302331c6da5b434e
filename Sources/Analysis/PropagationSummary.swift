import Core

/// A propagation report boiled down per block and overall: what `qscope analyze` and the
/// dashboard print under the per-module table.
public struct PropagationSummary: Sendable {
    public struct Block: Sendable {
        public let layer: Int
        /// R at the block's output (its second residual add).
        public let outputError: Double
        /// Σ B over the block's modules: the new error the block introduces.
        public let localError: Double
        /// The largest gain among the block's linear layers.
        public let maxLinearGain: Double?
    }

    public let blocks: [Block]
    /// Σ A / Σ R over all modules: how much of the error is inherited rather than new (the paper
    /// finds 70–90%).
    public let propagatedShare: Double
    /// The module that amplifies its incoming error most.
    public let maxGain: (name: String, gain: Double)?

    public init(_ report: PropagationReport) {
        let layers = Set(report.modules.compactMap(\.layer)).sorted()
        blocks = layers.map { l in
            let modules = report.modules.filter { $0.layer == l }
            return Block(layer: l, outputError: modules.last?.r ?? 0, localError: modules.reduce(0) { $0 + $1.b },
                         maxLinearGain: modules.filter { $0.kind == .linear }.compactMap(\.gain).max())
        }
        let totalR = report.modules.reduce(0) { $0 + $1.r }
        propagatedShare = totalR > 0 ? report.modules.reduce(0) { $0 + $1.a } / totalR : 0
        maxGain = report.modules.compactMap { m in m.gain.map { (name: m.name, gain: $0) } }.max { $0.gain < $1.gain }
    }
}
