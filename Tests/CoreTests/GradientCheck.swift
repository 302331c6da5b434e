import Foundation
import Core

/// Finite-difference helpers shared by the gradient tests.
enum GradientCheck {
    /// Central difference of `f` at `x[index]`; `f` is evaluated in Double where it can be.
    static func centralDifference(_ x: UnsafeMutablePointer<Float>, index: Int, eps: Float,
                                  _ f: () -> Double) -> Double {
        let saved = x[index]
        x[index] = saved + eps
        let plus = f()
        x[index] = saved - eps
        let minus = f()
        x[index] = saved
        return (plus - minus) / (2 * Double(eps))
    }

    /// ‖a − b‖ / max(‖a‖, ‖b‖, floor): a scale-free distance that a wrong sign drives to ~2 and a
    /// missing term to O(1), while rounding noise stays well below 1e-2.
    static func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-8) -> Double {
        precondition(a.count == b.count)
        var diff = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            diff += (a[i] - b[i]) * (a[i] - b[i])
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), floor)
    }

    static func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Prints the first values and the max difference, llm.c style, so a failure shows its shape.
    static func report(_ label: String, analytic: [Double], numeric: [Double]) {
        let first = { (v: [Double]) in v.prefix(4).map { String(format: "%+.6f", $0) }.joined(separator: " ") }
        print("\(label): analytic [\(first(analytic))] numeric [\(first(numeric))] "
              + "max|diff| \(String(format: "%.2e", maxAbsDiff(analytic, numeric))) "
              + "rel \(String(format: "%.2e", relativeError(analytic, numeric)))")
    }

    /// Weights of std 0.3 (larger than the training init, so attention is not uniform and every
    /// path matters), the study's vector init, and random tokens and targets.
    static func randomize(_ model: Transformer, rng: inout RNG) {
        model.initialize(rng: &rng)
        for p in model.layout.parameters where p.role != .vector {
            for i in 0..<p.count { model.parameters[p.offset + i] = 0.3 * Float(rng.nextGaussian()) }
        }
        for i in 0..<model.tokens.count {
            model.tokens[i] = Int32(rng.nextInt(below: 256))
            model.targets[i] = Int32(rng.nextInt(below: 256))
        }
    }

    static func randomTensor(_ shape: [Int], std: Float, rng: inout RNG, mean: Float = 0) -> Tensor {
        let t = Tensor(shape: shape)
        rng.fillGaussian(t.buffer, mean: mean, std: std)
        return t
    }
}
