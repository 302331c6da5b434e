import Core
import Foundation
import Testing

/// GPTQ against the float64 oracle (scripts/golden/gptq_golden.py, docs/quantization.md §4) and against
/// properties that hold whatever the rounding: no feedback when H is diagonal, never worse than RTN.
@Suite("GPTQ")
struct GPTQTests {
    struct Case: Decodable {
        let name: String, bits: Int, symmetric: Bool, grid: String, groupSize: Int?, actOrder: Bool
        let percdamp: Float, blockSize: Int, out: Int, `in`: Int, samples: Int
        let weight: [Float], calibration: [Float], dequantized: [Double]
    }

    static func cases() throws -> [Case] {
        struct File: Decodable { let cases: [Case] }
        guard let url = Bundle.module.url(forResource: "Golden/gptq", withExtension: "json") else {
            throw QScopeError.runtime("Golden/gptq.json missing")
        }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// Same code ⇔ |Δ| below 1e-4: fp32 vs fp64 moves a dequantized value by ~1e-6, while two
    /// codes differ by a grid step (≥ range/255, here > 0.01).
    @Test func matchesFloat64Oracle() throws {
        let all = try Self.cases()
        #expect(all.count == 10)
        for c in all {
            let g = try GPTQ(bits: c.bits, symmetric: c.symmetric, grid: SymmetricGrid(rawValue: c.grid)!,
                             groupSize: c.groupSize, actOrder: c.actOrder, percdamp: c.percdamp, blockSize: c.blockSize)
            var q = [Float]()
            try g.quantize(weight: c.weight, rows: c.out, columns: c.in, calibration: c.calibration,
                           samples: c.samples, into: &q)
            let diffs = zip(q, c.dequantized).map { abs(Double($0) - $1) }
            let same = diffs.filter { $0 < 1e-4 }
            let agreement = Double(same.count) / Double(diffs.count)
            // A tie that rounds differently in fp32 and fp64 flips one code and its error feeds
            // the rest of the row, so demand ≥ 99% agreement rather than all, and tiny errors
            // wherever the codes agree.
            #expect(agreement >= 0.99, "\(c.name): code agreement \(agreement)")
            #expect((same.max() ?? 0) < 2e-5, "\(c.name): max diff on agreeing codes \(same.max() ?? 0)")
            print("GPTQ golden \(c.name): agreement \(agreement), max |Δ| \(diffs.max()!), on agreeing codes \(same.max() ?? 0)")
        }
    }

    /// With orthogonal inputs H is diagonal, U is diagonal and no error is fed forward, so GPTQ
    /// is bit-for-bit RTN with the same grid (per row, or per group).
    @Test func diagonalHessianIsRoundToNearest() throws {
        let rows = 6, cols = 24
        var rng = RNG(seed: 11)
        let w = (0..<rows * cols).map { _ in Float(rng.nextGaussian()) }
        var x = [Float](repeating: 0, count: cols * cols)
        for i in 0..<cols { x[i * cols + i] = Float(0.5 + rng.nextDouble()) }
        for (sym, grid, group) in [(false, SymmetricGrid.gptq, nil), (true, .gptq, 8), (true, .absmax, nil), (false, .gptq, 6)] as [(Bool, SymmetricGrid, Int?)] {
            var q = [Float]()
            try GPTQ(bits: 3, symmetric: sym, grid: grid, groupSize: group, blockSize: 8)
                .quantize(weight: w, rows: rows, columns: cols, calibration: x, samples: cols, into: &q)
            let rtn = try RoundToNearest(bits: 3, granularity: group.map { .group($0) } ?? .row, symmetric: sym, grid: grid)
            #expect(q == Self.rtn(rtn, w, rows: rows, cols: cols), "sym \(sym) \(grid) group \(String(describing: group))")
        }
    }

    /// ‖(W − Ŵ)Xᵀ‖ is what GPTQ minimises greedily; on correlated inputs it must not lose to RTN.
    @Test func calibrationErrorNeverAboveRTN() throws {
        let rows = 16, cols = 64, samples = 128
        for seed in UInt64(1)...5 {
            var rng = RNG(seed: seed)
            let w = (0..<rows * cols).map { _ in Float(rng.nextGaussian()) }
            let x = Self.correlatedInputs(&rng, samples: samples, cols: cols)
            let configs: [(GPTQ, RoundToNearest)] = [
                (try GPTQ(bits: 4, symmetric: false, blockSize: 16), try RoundToNearest(bits: 4, symmetric: false)),
                (try GPTQ(bits: 4, symmetric: true, grid: .gptq, actOrder: true, blockSize: 32), try RoundToNearest(bits: 4, grid: .gptq)),
                (try GPTQ(bits: 3, symmetric: true, grid: .absmax), try RoundToNearest(bits: 3, grid: .absmax)),
                (try GPTQ(bits: 3, symmetric: false, groupSize: 16, blockSize: 32), try RoundToNearest(bits: 3, granularity: .group(16), symmetric: false)),
                (try GPTQ(bits: 2, symmetric: false, groupSize: 32, actOrder: true, blockSize: 16), try RoundToNearest(bits: 2, granularity: .group(32), symmetric: false)),
            ]
            for (gptq, rtn) in configs {
                var q = [Float]()
                try gptq.quantize(weight: w, rows: rows, columns: cols, calibration: x, samples: samples, into: &q)
                let eG = Self.outputError(w, q, x, rows: rows, cols: cols, samples: samples)
                let eR = Self.outputError(w, Self.rtn(rtn, w, rows: rows, cols: cols), x, rows: rows, cols: cols, samples: samples)
                #expect(eG <= eR, "seed \(seed) \(gptq): GPTQ \(eG) > RTN \(eR)")
            }
        }
    }

    @Test func deadInputsAndBadInputs() throws {
        let rows = 4, cols = 8, samples = 16
        var rng = RNG(seed: 3)
        let w = (0..<rows * cols).map { _ in Float(rng.nextGaussian()) }
        var x = (0..<samples * cols).map { _ in Float(rng.nextGaussian()) }
        for s in 0..<samples { x[s * cols + 2] = 0 }
        let g = try GPTQ(bits: 4, symmetric: false, actOrder: true)
        var q = [Float]()
        try g.quantize(weight: w, rows: rows, columns: cols, calibration: x, samples: samples, into: &q)
        #expect((0..<rows).allSatisfy { q[$0 * cols + 2] == 0 }, "a dead input's weights are zeroed")
        #expect(throws: QScopeError.self) { try g.quantize(weight: w, rows: rows, columns: cols + 1, calibration: x, samples: samples, into: &q) }
        #expect(throws: QScopeError.self) { try g.quantize(weight: w, rows: rows, columns: cols, calibration: x, samples: samples + 1, into: &q) }
        #expect(throws: QScopeError.self) { try g.quantize(weight: [Float](repeating: .nan, count: w.count), rows: rows, columns: cols, calibration: x, samples: samples, into: &q) }
        #expect(throws: QScopeError.self) { try GPTQ(bits: 4, symmetric: true, groupSize: 0) }
        #expect(throws: QScopeError.self) { try GPTQ(bits: 4, symmetric: true, percdamp: -1) }
        // Rank-deficient H without damping: the reference raises; we throw or stay finite, never NaN.
        let few = Array(x.prefix(2 * cols))
        do {
            try GPTQ(bits: 4, symmetric: false, percdamp: 0).quantize(weight: w, rows: rows, columns: cols, calibration: few, samples: 2, into: &q)
            let finite = q.allSatisfy { $0.isFinite }
            #expect(finite)
        } catch {
            #expect((error as? QScopeError)?.exitCode == 1, "\(error)")
        }
    }

    static func rtn(_ r: RoundToNearest, _ w: [Float], rows: Int, cols: Int) -> [Float] {
        var y = [Float](repeating: 0, count: w.count)
        w.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { r.apply(x.baseAddress!, into: $0.baseAddress!, rows: rows, cols: cols) } }
        return y
    }

    /// X (samples, cols) = G·M·diag(s): mixed columns with uneven scales.
    static func correlatedInputs(_ rng: inout RNG, samples: Int, cols: Int) -> [Float] {
        let g = (0..<samples * cols).map { _ in Float(rng.nextGaussian()) }
        var m = (0..<cols * cols).map { _ in Float(rng.nextGaussian()) * 0.3 }
        for i in 0..<cols { m[i * cols + i] += 1 }
        let s = (0..<cols).map { _ in Float(0.2 + 1.8 * rng.nextDouble()) }
        var x = [Float](repeating: 0, count: samples * cols)
        Matmul.fp32.ab(g, m, &x, m: samples, n: cols, k: cols)
        for r in 0..<samples { for c in 0..<cols { x[r * cols + c] *= s[c] } }
        return x
    }

    /// ‖(W − Ŵ)·Xᵀ‖_F in Double.
    static func outputError(_ w: [Float], _ q: [Float], _ x: [Float], rows: Int, cols: Int, samples: Int) -> Double {
        var total = 0.0
        for r in 0..<rows {
            for s in 0..<samples {
                var acc = 0.0
                for c in 0..<cols { acc += Double(w[r * cols + c] - q[r * cols + c]) * Double(x[s * cols + c]) }
                total += acc * acc
            }
        }
        return total.squareRoot()
    }
}
