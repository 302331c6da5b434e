import Testing
@testable import TUI

@Suite("TensorBoard's debiased EMA")
struct SmoothingTests {
    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in (x.isNaN && y.isNaN) || abs(x - y) < 1e-12 }
    }

    /// By hand, w = 0.6: last = 0.4, 0.64, 0.784 (over 1 − 0.6ⁿ = the same: 1, 1, 1), then
    /// 0.784·0.6 + 0.4·2 = 1.2704 over 1 − 0.6⁴ = 0.8704, then 1.2704·0.6 + 0.8 = 1.56224 over
    /// 1 − 0.6⁵ = 0.92224.
    @Test func matchesHandComputedValues() {
        let smoothed = Smoothing.debiasedEMA([1, 1, 1, 2, 2], weight: 0.6)
        #expect(Self.close(smoothed, [1, 1, 1, 1.2704 / 0.8704, 1.56224 / 0.92224]))
        #expect(abs(smoothed[3] - 1.4596) < 1e-4 && abs(smoothed[4] - 1.69396) < 1e-5)
    }

    /// The first value is never pulled towards zero, which is what the debiasing is for.
    @Test func firstValueIsKept() {
        #expect(Smoothing.debiasedEMA([5, 3], weight: 0.9)[0] == 5)
    }

    /// w = 0.5: 2, then NaN untouched (not counted), then (0.5·1 + 0.5·4) / (1 − 0.25) = 10/3.
    @Test func nonFiniteValuesPassThroughWithoutCounting() {
        let smoothed = Smoothing.debiasedEMA([2, .nan, 4], weight: 0.5)
        #expect(Self.close(smoothed, [2, .nan, 10.0 / 3]))
    }

    @Test func zeroWeightAndConstantSeriesComeBackUnchanged() {
        #expect(Smoothing.debiasedEMA([3, 1, 2], weight: 0) == [3, 1, 2])
        #expect(Smoothing.debiasedEMA([0.3, 0.3, 0.3], weight: 0.99) == [0.3, 0.3, 0.3])
        #expect(Smoothing.debiasedEMA([], weight: 0.6) == [])
    }

    /// The weight is capped at TensorBoard's 0.999, so w = 1 still averages rather than
    /// freezing: (0.001·1000) / (1 − 0.999²).
    @Test func weightIsCapped() {
        let smoothed = Smoothing.debiasedEMA([0, 1000], weight: 1)
        #expect(abs(smoothed[1] - 1 / (1 - 0.999 * 0.999)) < 1e-9)
    }
}
