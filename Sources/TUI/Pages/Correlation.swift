import Foundation

/// Correlation coefficients between two equally long samples, for the Compare page's
/// predictors (paper.md §4: how well a metric predicts the PTQ loss increase).
public enum Correlation {
    /// Pearson's r; nil with fewer than 3 points, unequal lengths, a non-finite value or a
    /// sample without variance, where r says nothing.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 3,
              x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - meanX) * (b - meanY)
            sxx += (a - meanX) * (a - meanX)
            syy += (b - meanY) * (b - meanY)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return min(max(sxy / (sxx * syy).squareRoot(), -1), 1)
    }

    /// Spearman's ρ: Pearson's r of the ranks, tied values sharing their average rank.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// 1-based ranks in ascending order; equal values get the mean of the ranks they span.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = Array(repeating: 0.0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let shared = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }
}
