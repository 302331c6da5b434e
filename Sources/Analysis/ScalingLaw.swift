import Core

/// The iso-ratio QAT scaling law of docs/analysis.md §6, fitted per optimizer:
///
///     L(N, ρ) = A / (N·ρ)^α + E,    ρ = 1 in full precision, ρ = ρ_q for quantized training,
///
/// so an N-parameter QAT model trains like a ρ_q·N-parameter full-precision one.
///
/// The fit follows QuEST's notebook (the study's likely template): A = e^a, E = e^e, residuals on
/// the log loss, r_i = log L_i − log L̂_i, a Huber loss (quadratic within `huberDelta`, linear
/// beyond, so one bad run cannot drag the curve), and a multi-start grid keeping the lowest cost
/// (not the last, the notebook's bug). Each start is refined by Levenberg–Marquardt with Huber
/// weights (iteratively reweighted least squares), solving the 4×4 normal equations by Cholesky.
public struct ScalingLaw: Sendable, Equatable {
    public var a: Double
    public var alpha: Double
    public var e: Double
    /// log ρ_q; 0 when no quantized point constrained it.
    public var logEfficiency: Double
    /// The Huber cost at the optimum.
    public var cost: Double

    public init(a: Double, alpha: Double, e: Double, logEfficiency: Double = 0, cost: Double = 0) {
        self.a = a
        self.alpha = alpha
        self.e = e
        self.logEfficiency = logEfficiency
        self.cost = cost
    }

    public var scale: Double { Math.exp(a) }
    public var irreducible: Double { Math.exp(e) }
    /// ρ_q, the effective-parameter multiplier of quantized training.
    public var efficiency: Double { Math.exp(logEfficiency) }

    /// One trained model: N (non-embedding parameters), whether it trained quantized, its loss.
    public struct Point: Sendable, Equatable {
        public var parameters: Double
        public var quantized: Bool
        public var loss: Double

        public init(parameters: Double, quantized: Bool, loss: Double) {
            self.parameters = parameters
            self.quantized = quantized
            self.loss = loss
        }
    }

    /// The predicted loss of `parameters` parameters, quantized or not.
    public func loss(parameters: Double, quantized: Bool) -> Double {
        let x = parameters * (quantized ? efficiency : 1)
        return scale * Math.pow(x, -alpha) + irreducible
    }

    /// Fits the law to `points` (at least 3 finite ones at 2+ sizes; 4+ with a quantized point
    /// to pin ρ_q too). Throws `.badInput` when the points cannot determine it.
    public static func fit(_ points: [Point], huberDelta: Double = 1e-3) throws -> ScalingLaw {
        guard points.allSatisfy({ $0.parameters > 0 && $0.loss > 0 && $0.loss.isFinite }) else {
            throw QScopeError.badInput("scaling-law points need positive parameter counts and finite positive losses")
        }
        let quantized = points.contains { $0.quantized }, full = points.contains { !$0.quantized }
        let sizes = Set(points.map(\.parameters)).count
        guard points.count >= (quantized ? 4 : 3), sizes >= 2, full else {
            throw QScopeError.badInput("a scaling-law fit needs full-precision runs at 2 or more sizes and at least "
                + "\(quantized ? 4 : 3) runs in all (got \(points.count) at \(sizes) sizes)")
        }
        var best: ScalingLaw?
        let minLoss = points.map(\.loss).min()!
        for a in [5.0, 10, 15, 20, 25] {
            for alpha in [0.1, 0.5, 1] {
                for e in [-1.0, -0.5, 0, 0.5].map({ Swift.min($0, Math.log(minLoss) - 0.05) }) {
                    for rho in quantized ? [0.3, 0.6, 0.9] : [1.0] {
                        let start = ScalingLaw(a: a, alpha: alpha, e: e, logEfficiency: Math.log(rho), cost: .infinity)
                        if let fit = refine(start, points: points, fitEfficiency: quantized, delta: huberDelta),
                           fit.cost < best?.cost ?? .infinity {
                            best = fit
                        }
                    }
                }
            }
        }
        guard let best else { throw QScopeError.runtime("the scaling-law fit did not converge from any start") }
        return best
    }

    /// Half the Huber loss of the log residuals, scipy's `least_squares(loss='huber')` cost.
    static func cost(_ law: ScalingLaw, points: [Point], delta: Double) -> Double {
        points.reduce(0) { total, p in
            let r = abs(Math.log(p.loss) - Math.log(law.loss(parameters: p.parameters, quantized: p.quantized)))
            return total + (r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta))
        }
    }

    /// Levenberg–Marquardt from `start` on θ = (a, α, e, log ρ) (log ρ fixed at 0 without
    /// quantized points); nil if it leaves finite ground.
    static func refine(_ start: ScalingLaw, points: [Point], fitEfficiency: Bool, delta: Double) -> ScalingLaw? {
        var law = start
        law.cost = cost(law, points: points, delta: delta)
        guard law.cost.isFinite else { return nil }
        let n = fitEfficiency ? 4 : 3
        var damping = 1e-3
        for _ in 0..<200 {
            var normal = [Double](repeating: 0, count: n * n), gradient = [Double](repeating: 0, count: n)
            for p in points {
                let x = p.parameters * (p.quantized ? law.efficiency : 1)
                let power = law.scale * Math.pow(x, -law.alpha), predicted = power + law.irreducible
                let r = Math.log(p.loss) - Math.log(predicted)
                // Huber as IRLS: full weight inside delta, delta/|r| outside.
                let w = abs(r) <= delta ? 1 : delta / abs(r)
                // ∂ log L̂ / ∂θ; the residual's Jacobian is its negative.
                var j = [power / predicted, -power * Math.log(x) / predicted, law.irreducible / predicted]
                if fitEfficiency { j.append(p.quantized ? -law.alpha * power / predicted : 0) }
                for i in 0..<n {
                    gradient[i] += w * j[i] * r
                    for k in 0..<n { normal[i * n + k] += w * j[i] * j[k] }
                }
            }
            var improved = false
            while damping < 1e12 {
                var system = normal
                for i in 0..<n { system[i * n + i] += damping * Swift.max(normal[i * n + i], 1e-12) }
                var step = gradient
                guard (try? Cholesky.factor(&system, n: n, triangle: .lower)) != nil else {
                    damping *= 10
                    continue
                }
                Triangular.solve(side: .left, triangle: .lower, m: n, n: 1, a: system, lda: n, b: &step, ldb: 1)
                Triangular.solve(side: .left, triangle: .lower, transpose: true, m: n, n: 1, a: system, lda: n,
                                 b: &step, ldb: 1)
                var trial = law
                trial.a += step[0]
                trial.alpha += step[1]
                trial.e += step[2]
                if fitEfficiency { trial.logEfficiency += step[3] }
                trial.cost = cost(trial, points: points, delta: delta)
                if trial.cost.isFinite && trial.cost < law.cost {
                    let gain = law.cost - trial.cost
                    law = trial
                    damping = Swift.max(damping / 10, 1e-12)
                    improved = gain > 1e-15 * Swift.max(law.cost, 1e-30)
                    break
                }
                damping *= 10
            }
            if !improved { break }
        }
        return law.cost.isFinite ? law : nil
    }
}
