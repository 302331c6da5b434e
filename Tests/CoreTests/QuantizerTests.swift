import Core
import Testing

/// Round-to-nearest on hand-made vectors whose answers follow from the grid definitions.
@Suite("Round-to-nearest")
struct RoundToNearestTests {
    func run(_ q: RoundToNearest, _ x: [Float], rows: Int = 1) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { q.apply(xs.baseAddress!, into: $0.baseAddress!, rows: rows, cols: x.count / rows) }
        }
        return y
    }

    @Test func absmaxGridIsTheStudysSymmetricGrid() throws {
        // 4 bits: scale = 1.4/7 = 0.2, codes −7…7; 0.3/0.2 = 1.5 rounds to even (2), −0.5/0.2 = −2.5 to −2.
        let q = try RoundToNearest(bits: 4, granularity: .tensor)
        let y = run(q, [1.4, 0.3, -0.5, 0.05, -1.4, 0])
        let expected: [Float] = [1.4, 0.4, -0.4, 0, -1.4, 0]
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(y)")
    }

    @Test func gptqGridPutsAbsmaxOnSevenSteps() throws {
        // GPTQ's symmetric 4-bit grid: scale = 2/15 for absmax 1; 1/scale = 7.4999995 in fp32, so
        // ±absmax lands on ±7·scale = ±0.9333, and −1 has room for code −8 (docs/quantization.md §2.2).
        let q = try RoundToNearest(bits: 4, granularity: .tensor, grid: .gptq)
        let y = run(q, [1, -1, 0, 0.5])
        #expect(abs(y[0] - 7 * 2 / 15) < 1e-6 && abs(y[1] + 7 * 2 / 15) < 1e-6)
        #expect(y[2] == 0)
        #expect(abs(y[3] - 4 * 2 / 15) < 1e-6, "\(y[3])")
    }

    @Test func asymmetricMinMaxIsExactOnItsGrid() throws {
        let q = try RoundToNearest(bits: 2, granularity: .tensor, symmetric: false)
        #expect(run(q, [0, 1, 2, 3]) == [0, 1, 2, 3])
        // The range always contains 0: [1, 4] becomes [0, 4] with scale 4/3.
        let y = run(q, [1, 4])
        #expect(abs(y[0] - 4.0 / 3) < 1e-6 && abs(y[1] - 4) < 1e-6, "\(y)")
    }

    @Test func rowsAndGroupsHaveTheirOwnScales() throws {
        let x: [Float] = [7, 1, 0.7, 0.1]
        let perRow = run(try RoundToNearest(bits: 4, granularity: .row), x, rows: 2)
        // Row scales 1 and 0.1 put every value on its grid.
        #expect(zip(perRow, x).allSatisfy { abs($0 - $1) < 1e-6 }, "\(perRow)")
        let perTensor = run(try RoundToNearest(bits: 4, granularity: .tensor), x)
        #expect(perTensor[2] == 1 && perTensor[3] == 0, "one scale of 1: \(perTensor)")
        let groups = run(try RoundToNearest(bits: 4, granularity: .group(2)), x)
        #expect(zip(groups, x).allSatisfy { abs($0 - $1) < 1e-6 }, "\(groups)")
    }

    @Test func zeroRowsStayZeroAndErrorShrinksWithBits() throws {
        #expect(run(try RoundToNearest(bits: 4), [0, 0, 0]) == [0, 0, 0])
        #expect(run(try RoundToNearest(bits: 4, symmetric: false), [0, 0]) == [0, 0])
        var rng = RNG(seed: 4)
        let x = (0..<512).map { _ in Float(rng.nextGaussian()) }
        var last = Float.infinity
        for bits in 2...8 {
            let y = run(try RoundToNearest(bits: bits), x)
            let mse = zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(x.count)
            #expect(mse < last, "bits \(bits): \(mse)")
            last = mse
        }
        #expect(throws: QScopeError.self) { try RoundToNearest(bits: 1) }
        #expect(throws: QScopeError.self) { try QuantGranularity(parsing: "group:0") }
        #expect(try QuantGranularity(parsing: "group:64") == .group(64))
    }
}
