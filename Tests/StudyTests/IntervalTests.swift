import Analysis
import Core
import Testing

/// The intervals the study reports: t intervals of means, bootstrap intervals of correlations,
/// leave-one-out intervals of the scaling law, each checked against a truth it must cover.
@Suite("Confidence intervals")
struct IntervalTests {
    @Test func meanIntervalsUseStudentsT() throws {
        let e = try #require(Intervals.mean([1, 2, 3, 4]))
        // s = 1.2910, t(3) = 3.182, half width = 3.182·1.2910/2 = 2.0540
        #expect(abs(e.value - 2.5) < 1e-12 && abs(e.halfWidth! - 2.05398) < 1e-4 && e.count == 4)
        let one = try #require(Intervals.mean([5, .nan]))
        #expect(one.value == 5 && one.lower == nil && one.count == 1)
        #expect(Intervals.mean([.infinity]) == nil)
        #expect(Intervals.mean([1, 1.1])!.separated(from: Intervals.mean([3, 3.1])!))
    }

    /// Over 200 synthetic studies of 5 draws from N(10, 1), the 95% interval covers 10 about
    /// 95% of the time.
    @Test func meanIntervalsCoverTheTruth() {
        var rng = RNG(seed: 5)
        let covered = (0..<200).filter { _ in
            let e = Intervals.mean((0..<5).map { _ in 10 + rng.nextGaussian() })!
            return e.lower! <= 10 && 10 <= e.upper!
        }.count
        print("t interval coverage: \(covered)/200")
        #expect(covered >= 180 && covered <= 198)
    }

    @Test func bootstrapIsReproducibleAndTightOnAPerfectRelation() throws {
        typealias Pair = (x: Double, y: Double)
        let groups: [[Pair]] = (0..<6).map { (g: Int) -> [Pair] in
            (0..<2).map { (s: Int) -> Pair in
                let x = Double(g) + 0.1 * Double(s)
                return (x: x, y: 2 * x)
            }
        }
        let r = try #require(Intervals.correlation(groups, using: Correlation.pearson))
        #expect(abs(r.value - 1) < 1e-12 && abs(r.lower! - 1) < 1e-9 && r.count == 12)
        let noisy: [[Pair]] = (0..<6).map { (g: Int) -> [Pair] in
            (0..<3).map { (s: Int) -> Pair in (x: Double(g), y: Double((g * 7 + s * 3) % 5)) }
        }
        let a = Intervals.correlation(noisy, using: Correlation.spearman), b = Intervals.correlation(noisy, using: Correlation.spearman)
        #expect(a == b && a!.lower! < a!.value && a!.value < a!.upper!)
    }

    /// The leave-one-out intervals of a law fitted to noisy points with an outlier cover the
    /// true ρ, E and α in most of 8 synthetic studies, and the point estimates land near them.
    @Test func scalingLawIntervalsCoverTheTruth() throws {
        let truth = ScalingLaw(a: 8, alpha: 0.35, e: Math.log(1.5), logEfficiency: Math.log(0.8), cost: 0)
        var rng = RNG(seed: 21)
        var covered = (rho: 0, e: 0, alpha: 0)
        for trial in 0..<8 {
            var points: [ScalingLaw.Point] = []
            for n in [5e4, 3e5, 9e5, 5.4e6] {
                for quantized in [false, true] {
                    for _ in 0..<2 {
                        let loss = truth.loss(parameters: n, quantized: quantized) * (1 + 0.004 * rng.nextGaussian())
                        points.append(ScalingLaw.Point(parameters: n, quantized: quantized, loss: loss))
                    }
                }
            }
            points[trial % points.count].loss *= 1.15  // one bad run
            let fit = try ScalingLaw.fitWithIntervals(points)
            print("trial \(trial): rho \(fit.efficiency.value) [\(fit.efficiency.lower!), \(fit.efficiency.upper!)] "
                  + "E \(fit.irreducible.value) alpha \(fit.alpha.value)")
            // E is the weakest-identified parameter this far from saturation: its interval, not its point, is the test.
            #expect(fit.refits == points.count && abs(fit.efficiency.value - 0.8) < 0.03 && abs(fit.alpha.value - 0.35) < 0.03)
            func covers(_ e: Intervals.Estimate, _ value: Double) -> Int { e.lower! <= value && value <= e.upper! ? 1 : 0 }
            covered.rho += covers(fit.efficiency, 0.8)
            covered.e += covers(fit.irreducible, 1.5)
            covered.alpha += covers(fit.alpha, 0.35)
        }
        print("jackknife coverage of 8: rho \(covered.rho), E \(covered.e), alpha \(covered.alpha)")
        #expect(covered.rho >= 6 && covered.e >= 6 && covered.alpha >= 6)
    }
}
