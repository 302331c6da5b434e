/// One probe measurement of PTQ damage against the output error it came with: the W4A4 RTN
/// loss increase and, on the same weights, the output KL and R at the logits. A run's list of
/// them is what the Quantize view calibrates its predicted increase on (docs/dashboard.md §10).
public struct ProbePoint: Sendable, Equatable {
    public var step: Int
    /// W4A4 RTN loss minus the full-precision loss.
    public var increase: Double
    /// The output KL divergence, nil in reports that predate it.
    public var outputKL: Double?
    /// R at the logits.
    public var outputError: Double

    public init(step: Int, increase: Double, outputKL: Double?, outputError: Double) {
        self.step = step
        self.increase = increase
        self.outputKL = outputKL
        self.outputError = outputError
    }

    /// The point of `report`, when it holds both the PTQ losses and the decomposition of the
    /// same step (a report measures both together; a partial one has nothing to pair).
    public init?(_ report: ProbeReport) {
        guard let ptq = report.ptq, let propagation = report.propagation, ptq.step == propagation.step,
              ptq.rtn.isFinite, ptq.fullPrecision.isFinite else { return nil }
        self.init(step: ptq.step, increase: ptq.rtn - ptq.fullPrecision, outputKL: propagation.outputKL,
                  outputError: propagation.outputError)
    }
}
