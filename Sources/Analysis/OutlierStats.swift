import Core

/// Outlier statistics of a matrix X (rows = tokens, or output channels for a weight), as the
/// study defines them (docs/analysis.md §2).
public struct OutlierStats: Sendable, Equatable {
    /// Max-to-median ratio: mean over rows of max_j |X_tj| / median_j |X_tj|.
    public var mmr: Double
    /// Fisher (excess) kurtosis of all entries: m4/m2² − 3 (0 for a Gaussian).
    public var kurtosis: Double
    /// Excess kurtosis of the per-column RMS vector s_j = sqrt(mean_t X_tj²) (He et al. 2024).
    public var rmsKurtosis: Double
    /// Root mean square of all entries.
    public var rms: Double
    /// Largest |X|.
    public var absmax: Double

    /// Statistics of X (rows, cols), accumulated in Double.
    public init(_ x: UnsafePointer<Float>, rows: Int, cols: Int) {
        let count = Double(rows * cols)
        var sum = 0.0, absmax = 0.0, mmrSum = 0.0
        var columnSquares = [Double](repeating: 0, count: cols)
        var magnitudes = [Float](repeating: 0, count: cols)
        for r in 0..<rows {
            let row = x + r * cols
            var rowMax: Float = 0
            for j in 0..<cols {
                let v = row[j]
                sum += Double(v)
                columnSquares[j] += Double(v) * Double(v)
                magnitudes[j] = abs(v)
                rowMax = max(rowMax, magnitudes[j])
            }
            absmax = max(absmax, Double(rowMax))
            let median = Self.median(&magnitudes)
            // A row of zeros has no outliers; a zero median with a non-zero max is unbounded.
            mmrSum += median > 0 ? Double(rowMax) / Double(median) : (rowMax > 0 ? .infinity : 1)
        }
        let mean = sum / count
        var m2 = 0.0, m4 = 0.0
        for i in 0..<(rows * cols) {
            let d = Double(x[i]) - mean, d2 = d * d
            m2 += d2
            m4 += d2 * d2
        }
        m2 /= count
        m4 /= count
        mmr = mmrSum / Double(rows)
        kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3 : 0
        rms = (columnSquares.reduce(0, +) / count).squareRoot()
        self.absmax = absmax
        rmsKurtosis = Self.excessKurtosis(columnSquares.map { ($0 / Double(rows)).squareRoot() })
    }

    /// The median of `values` (reordered in place), the mean of the middle two for even counts,
    /// as numpy computes it.
    static func median(_ values: inout [Float]) -> Float {
        values.sort()
        let n = values.count
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2
    }

    static func excessKurtosis(_ v: [Double]) -> Double {
        let n = Double(v.count)
        let mean = v.reduce(0, +) / n
        let m2 = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m4 = v.reduce(0) { $0 + pow4($1 - mean) } / n
        return m2 > 0 ? m4 / (m2 * m2) - 3 : 0
    }

    private static func pow4(_ x: Double) -> Double { (x * x) * (x * x) }
}
