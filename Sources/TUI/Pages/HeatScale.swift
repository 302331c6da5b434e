import Analysis
import Foundation

/// Where each value of a group sits between the group's lowest and highest, in 0…1: the
/// position a heatmap colours by.
///
/// Positive groups are placed on a log scale, because outlier statistics and errors spread
/// over orders of magnitude and a linear scale would paint everything but the top layer the
/// same; groups with zero or negative values (excess kurtosis can be negative) are placed by
/// rank instead.
enum HeatScale: String, Sendable {
    case log
    case rank

    /// The scale `values` (finite ones; the rest are ignored) are placed on.
    static func choose(for values: [Double]) -> HeatScale {
        let finite = values.filter(\.isFinite)
        return !finite.isEmpty && finite.allSatisfy { $0 > 0 } ? .log : .rank
    }

    /// Each value's position, nil for missing or non-finite values; 0.5 when all are equal.
    static func positions(_ values: [Double?]) -> [Double?] {
        let finite = values.compactMap { $0 }.filter(\.isFinite)
        switch choose(for: finite) {
        case .log:
            let low = log10(finite.min() ?? 1), high = log10(finite.max() ?? 1)
            return values.map { value in
                guard let value, value.isFinite else { return nil }
                return high > low ? (log10(value) - low) / (high - low) : 0.5
            }
        case .rank:
            let ranks = Correlation.ranks(finite)
            let rankOf = Dictionary(zip(finite, ranks), uniquingKeysWith: { first, _ in first })
            return values.map { value in
                guard let value, value.isFinite, let rank = rankOf[value] else { return nil }
                return finite.count > 1 ? (rank - 1) / Double(finite.count - 1) : 0.5
            }
        }
    }
}
