import Analysis
import Core
import Testing

@Suite("Outlier statistics")
struct OutlierStatsTests {
    func stats(_ x: [Float], rows: Int) -> OutlierStats {
        x.withUnsafeBufferPointer { OutlierStats($0.baseAddress!, rows: rows, cols: x.count / rows) }
    }

    @Test func maxToMedianRatioOfKnownRows() {
        // Row 1: |x| = 1, 2, 3, 8 → median 2.5, max 8 → 3.2. Row 2: all 2 → 1. Mean 2.1.
        let s = stats([1, -2, 3, -8, 2, 2, -2, 2], rows: 2)
        #expect(abs(s.mmr - 2.1) < 1e-12)
        #expect(s.absmax == 8)
        #expect(abs(s.rms - ((1 + 4 + 9 + 64 + 16.0) / 8).squareRoot()) < 1e-12)
    }

    @Test func gaussianHasZeroExcessKurtosis() {
        var rng = RNG(seed: 1)
        let x = (0..<200_000).map { _ in Float(rng.nextGaussian()) }
        let s = stats(x, rows: 400)
        print("kurtosis of N(0,1): \(s.kurtosis), per-channel rms kurtosis \(s.rmsKurtosis), MMR \(s.mmr)")
        #expect(abs(s.kurtosis) < 0.05)
        #expect(abs(s.rms - 1) < 0.01)
    }

    @Test func oneOutlierChannelRaisesBothKurtoses() {
        var rng = RNG(seed: 2)
        var x = (0..<(256 * 64)).map { _ in Float(rng.nextGaussian()) }
        let plain = stats(x, rows: 256)
        for t in 0..<256 { x[t * 64 + 7] *= 20 }
        let spiked = stats(x, rows: 256)
        print("kurtosis \(plain.kurtosis) → \(spiked.kurtosis), rms kurtosis \(plain.rmsKurtosis) → \(spiked.rmsKurtosis), MMR \(plain.mmr) → \(spiked.mmr)")
        #expect(spiked.kurtosis > plain.kurtosis + 10)
        #expect(spiked.rmsKurtosis > plain.rmsKurtosis + 10)
        #expect(spiked.mmr > 3 * plain.mmr)
    }
}
