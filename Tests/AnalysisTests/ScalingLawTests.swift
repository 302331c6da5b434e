import Analysis
import Core
import Testing

/// The QAT scaling-law fit recovers known laws and shrugs off a bad run.
@Suite("Scaling law")
struct ScalingLawTests {
    static let truth = (a: 8.0, alpha: 0.35, e: ln(1.5), rho: 0.8)
    static let sizes: [Double] = [5e4, 3e5, 9e5, 5.4e6, 1.9e7]

    static func points(outlier: Double = 1) -> [ScalingLaw.Point] {
        let law = ScalingLaw(a: truth.a, alpha: truth.alpha, e: truth.e, logEfficiency: ln(truth.rho), cost: 0)
        var points = sizes.flatMap { n in
            [false, true].map { q in ScalingLaw.Point(parameters: n, quantized: q, loss: law.loss(parameters: n, quantized: q)) }
        }
        points[3].loss *= outlier
        return points
    }

    @Test func recoversAKnownLaw() throws {
        let fit = try ScalingLaw.fit(Self.points())
        print("a \(fit.a) alpha \(fit.alpha) E \(fit.irreducible) rho \(fit.efficiency) cost \(fit.cost)")
        #expect(abs(fit.alpha - Self.truth.alpha) < 1e-4)
        #expect(abs(fit.irreducible - 1.5) < 1e-4)
        #expect(abs(fit.efficiency - Self.truth.rho) < 1e-4)
        #expect(fit.cost < 1e-12)
    }

    @Test func oneBadRunMovesTheFitLittle() throws {
        let fit = try ScalingLaw.fit(Self.points(outlier: 1.3))
        print("with a 30% outlier: alpha \(fit.alpha) E \(fit.irreducible) rho \(fit.efficiency)")
        #expect(abs(fit.irreducible - 1.5) < 0.05)
        #expect(abs(fit.efficiency - Self.truth.rho) < 0.05)
    }

    @Test func fullPrecisionOnlyFitsThreeParameters() throws {
        let fit = try ScalingLaw.fit(Self.points().filter { !$0.quantized })
        #expect(fit.efficiency == 1 && abs(fit.irreducible - 1.5) < 1e-3)
    }

    @Test func tooFewPointsIsBadInput() {
        #expect(throws: (any Error).self) { try ScalingLaw.fit(Array(Self.points().prefix(2))) }
        #expect(throws: (any Error).self) { try ScalingLaw.fit(Self.points().filter(\.quantized)) }
    }
}

private func ln(_ x: Double) -> Double { Math.log(x) }
