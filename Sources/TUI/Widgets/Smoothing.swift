import Foundation

/// Curve smoothing as TensorBoard does it.
public enum Smoothing {
    /// TensorBoard caps the weight here: at 1 every curve would go flat.
    public static let maximumWeight = 0.999

    /// TensorBoard's classic debiased exponential moving average.
    ///
    /// `last = last·w + (1−w)·y`, divided by `1 − w^(n)` where n counts the finite values so
    /// far, so the start is not pulled towards 0. Non-finite values pass through and do not
    /// advance n (a NaN stays visible as a gap); a constant series comes back unchanged, with
    /// no rounding wobble.
    public static func debiasedEMA(_ values: [Double], weight: Double) -> [Double] {
        let w = min(max(weight, 0), maximumWeight)
        guard w > 0, let first = values.first(where: \.isFinite),
              values.contains(where: { $0.isFinite && $0 != first }) else { return values }
        var last = 0.0, decay = 1.0
        return values.map { y in
            guard y.isFinite else { return y }
            last = last * w + (1 - w) * y
            decay *= w
            return last / (1 - decay)
        }
    }
}
