import Core

/// 95% confidence intervals for the study's tables (docs/analysis.md §10): a mean over seeds,
/// and a correlation over runs, both stated with their uncertainty.
public enum Intervals {
    /// A point estimate with its 95% interval; nil bounds when the data cannot give one.
    public struct Estimate: Sendable, Equatable, Codable {
        public var value: Double
        public var lower: Double?
        public var upper: Double?
        /// Samples behind the estimate.
        public var count: Int

        public init(value: Double, lower: Double?, upper: Double?, count: Int) {
            self.value = value
            self.lower = lower
            self.upper = upper
            self.count = count
        }

        /// Half the interval's width, when it has one.
        public var halfWidth: Double? { upper.map { $0 - value } }

        /// True when `other`'s interval does not overlap this one (both must have intervals).
        public func separated(from other: Estimate) -> Bool {
            guard let lower, let upper, let otherLower = other.lower, let otherUpper = other.upper else { return false }
            return upper < otherLower || otherUpper < lower
        }
    }

    /// The mean of `values` (finite ones) with Student's t interval, mean ± t₀.₉₇₅,ₙ₋₁·s/√n;
    /// nil without a finite value, no interval for a single one.
    public static func mean(_ values: [Double]) -> Estimate? {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        let n = Double(finite.count), mean = finite.reduce(0, +) / n
        guard finite.count > 1 else { return Estimate(value: mean, lower: nil, upper: nil, count: 1) }
        let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let half = studentT975(degrees: finite.count - 1) * (variance / n).squareRoot()
        return Estimate(value: mean, lower: mean - half, upper: mean + half, count: finite.count)
    }

    /// The 97.5% quantile of Student's t with `degrees` degrees of freedom.
    static func studentT975(degrees: Int) -> Double {
        let table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                     2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086]
        if degrees >= 1 && degrees <= table.count { return table[degrees - 1] }
        return degrees > 120 ? 1.960 : 1.960 + 2.4 / Double(degrees)
    }

    /// A correlation over pooled runs with a stratified bootstrap interval: each group (an
    /// optimizer's seeds) is resampled with replacement, the correlation recomputed on the pooled
    /// resample, `replicates` times with a fixed seed (so reports are reproducible), and the
    /// 2.5th and 97.5th percentiles taken. nil when the full sample has no correlation.
    public static func correlation(_ groups: [[(x: Double, y: Double)]], replicates: Int = 2000, seed: UInt64 = 7,
                                   using statistic: ([Double], [Double]) -> Double?) -> Estimate? {
        let pooled = groups.flatMap { $0 }
        guard let value = statistic(pooled.map(\.x), pooled.map(\.y)) else { return nil }
        guard groups.contains(where: { $0.count > 1 }) else {
            return Estimate(value: value, lower: nil, upper: nil, count: pooled.count)
        }
        var rng = RNG(seed: seed, stream: 11)
        var samples: [Double] = []
        samples.reserveCapacity(replicates)
        for _ in 0..<replicates {
            var x: [Double] = [], y: [Double] = []
            for group in groups {
                for _ in group.indices {
                    let pick = group[rng.nextInt(below: group.count)]
                    x.append(pick.x)
                    y.append(pick.y)
                }
            }
            if let r = statistic(x, y) { samples.append(r) }
        }
        guard samples.count >= replicates / 2 else { return Estimate(value: value, lower: nil, upper: nil, count: pooled.count) }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[Swift.min(samples.count - 1, Int(p * Double(samples.count)))] }
        return Estimate(value: value, lower: percentile(0.025), upper: percentile(0.975), count: pooled.count)
    }
}
