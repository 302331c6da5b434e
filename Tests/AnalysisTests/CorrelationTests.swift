import Analysis
import Testing

/// Correlations against values worked out by hand (and checked with scipy.stats).
@Suite("Correlation")
struct CorrelationTests {
    @Test func pearsonOfKnownPairs() throws {
        // x = 1…5, y = 2, 4, 5, 4, 5: r = 6 / sqrt(10 · 6) = 0.7745966692414834 (scipy agrees).
        let r = try #require(Correlation.pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]))
        #expect(abs(r - 0.7745966692414834) < 1e-12)
        #expect(Correlation.pearson([1, 2, 3], [3, 2, 1]) == -1)
    }

    @Test func spearmanAveragesTiedRanks() throws {
        #expect(Correlation.ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
        // Ranks of y = 1, 2, 4, 2, 4 → 1, 2.5, 4.5, 2.5, 4.5; scipy.stats.spearmanr gives 0.7378647873726218.
        let rho = try #require(Correlation.spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]))
        #expect(abs(rho - 0.7378647873726218) < 1e-12)
        // Monotone but non-linear: Spearman is exactly 1, Pearson is not.
        let x: [Double] = [1, 2, 3, 4, 5], y = x.map { $0 * $0 * $0 }
        #expect(Correlation.spearman(x, y) == 1)
        #expect(Correlation.pearson(x, y)! < 1)
    }

    @Test func undefinedCasesAreNil() {
        #expect(Correlation.pearson([1, 2], [3, 4]) == nil)
        #expect(Correlation.pearson([1, 1, 1], [1, 2, 3]) == nil)
        #expect(Correlation.spearman([1, 2, .infinity], [1, 2, 3]) == nil)
        #expect(Correlation.pearson([1, 2, 3], [1, 2]) == nil)
        #expect(Correlation.pearson([1, .nan, 3], [1, 2, 3]) == nil)
        #expect(Correlation.spearman([4, 4, 4], [1, 2, 3]) == nil)
        #expect(Correlation.ranks([]) == [])
    }
}
