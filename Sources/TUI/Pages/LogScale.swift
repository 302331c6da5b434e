import Foundation

/// A log axis for bar lengths: whole decades from below the smallest positive value to above
/// the largest, so bars of values orders of magnitude apart all stay visible and comparable.
struct LogScale: Equatable, Sendable {
    /// log10 of the axis ends.
    let lowDecade: Int
    let highDecade: Int

    /// The scale covering the positive finite `values`; nil when there is none.
    init?(values: [Double]) {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let low = positive.min(), let high = positive.max() else { return nil }
        lowDecade = Int(log10(low).rounded(.down))
        highDecade = max(Int(log10(high).rounded(.up)), lowDecade + 1)
    }

    /// The bar length of `value` in a bar `width` cells long: at least one cell for any positive
    /// value, none for zero, negative or missing ones.
    func length(of value: Double, width: Int) -> Int {
        guard value > 0, value.isFinite, width > 0 else { return 0 }
        let fraction = (log10(value) - Double(lowDecade)) / Double(highDecade - lowDecade)
        return min(max(Int((fraction * Double(width)).rounded()), 1), width)
    }

    /// The axis ends as labels: "1e-6", "1e0".
    var lowLabel: String { "1e\(lowDecade)" }
    var highLabel: String { "1e\(highDecade)" }
}
