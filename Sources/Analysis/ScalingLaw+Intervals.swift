import Core

extension ScalingLaw {
    /// A fit with jackknife (leave-one-out) 95% intervals for ρ_q, E and α.
    public struct Interval: Sendable, Equatable {
        public var fit: ScalingLaw
        public var efficiency: Intervals.Estimate
        public var irreducible: Intervals.Estimate
        public var alpha: Intervals.Estimate
        /// The leave-one-out refits that converged.
        public var refits: Int
    }

    /// Fits `points`, then refits with each point left out (the paper's method for its
    /// intervals), and turns the spread of the refits into jackknife intervals:
    /// se² = (n−1)/n · Σ (θ₍ᵢ₎ − θ̄)², estimate ± 1.96·se. A point whose removal leaves the law
    /// undetermined is skipped; with fewer than 3 refits there are no intervals.
    public static func fitWithIntervals(_ points: [Point], huberDelta: Double = 1e-3) throws -> Interval {
        let full = try fit(points, huberDelta: huberDelta)
        let refits = points.indices.compactMap { i -> ScalingLaw? in
            var rest = points
            rest.remove(at: i)
            return try? fit(rest, huberDelta: huberDelta)
        }
        func interval(_ value: Double, _ parameter: (ScalingLaw) -> Double) -> Intervals.Estimate {
            guard refits.count >= 3 else { return Intervals.Estimate(value: value, lower: nil, upper: nil, count: points.count) }
            let values = refits.map(parameter), n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let se = ((n - 1) / n * values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }).squareRoot()
            return Intervals.Estimate(value: value, lower: value - 1.96 * se, upper: value + 1.96 * se, count: points.count)
        }
        return Interval(fit: full, efficiency: interval(full.efficiency, \.efficiency),
                        irreducible: interval(full.irreducible, \.irreducible), alpha: interval(full.alpha, \.alpha),
                        refits: refits.count)
    }
}
