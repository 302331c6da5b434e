import Core
import Foundation
import Testing

/// One case of Golden/quest.json (scripts/golden/quest_golden.py): row-major (rows, cols) arrays.
private struct QuESTGolden: Decodable {
    let name: String
    let rows: Int, cols: Int, bits: Int, block: Int
    let bf16: Bool
    let x: [Double]
    let y_hadamard: [Double], y_original: [Double]
    let mask: [Double]
    let mask_ambiguous: [Int]
    let zeros: [Int]
    let dy: [Double]
    let dx_hadamard: [Double], dx_original: [Double]

    static func all() throws -> [QuESTGolden] {
        struct File: Decodable { let cases: [QuESTGolden] }
        guard let url = Bundle.module.url(forResource: "Golden/quest", withExtension: "json") else {
            throw QScopeError.runtime("Golden/quest.json missing")
        }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }
}

/// (y, mask) = QuEST forward on a Float copy of x.
private func forward(_ q: QuEST, _ x: [Float], rows: Int, cols: Int, domain: QuESTDomain) throws -> ([Float], [Float]) {
    var y = [Float](repeating: .nan, count: x.count), m = y
    try x.withUnsafeBufferPointer { xs in
        try y.withUnsafeMutableBufferPointer { ys in
            try m.withUnsafeMutableBufferPointer {
                try q.forward(xs.baseAddress!, into: ys.baseAddress!, mask: $0.baseAddress!, rows: rows, cols: cols, domain: domain)
            }
        }
    }
    return (y, m)
}

private func backward(_ q: QuEST, _ dy: [Float], mask: [Float], rows: Int, cols: Int, domain: QuESTDomain) throws -> [Float] {
    var dx = [Float](repeating: .nan, count: dy.count)
    try dy.withUnsafeBufferPointer { d in
        try mask.withUnsafeBufferPointer { m in
            try dx.withUnsafeMutableBufferPointer {
                try q.backward(d.baseAddress!, mask: m.baseAddress!, into: $0.baseAddress!, rows: rows, cols: cols, domain: domain)
            }
        }
    }
    return dx
}

private func transform(_ h: BlockHadamard, _ x: [Float], rows: Int) -> [Float] {
    var y = x
    y.withUnsafeMutableBufferPointer { h.apply($0.baseAddress!, rows: rows, cols: x.count / rows) }
    return y
}

/// Largest |a − b| over each row, divided by that row's largest |b| (rows differ in scale).
private func rowRelativeError(_ a: [Float], _ b: [Double], cols: Int) -> Double {
    stride(from: 0, to: b.count, by: cols).map { s in
        let scale = max(b[s..<(s + cols)].map(abs).max()!, 1e-30)
        return (s..<(s + cols)).map { abs(Double(a[$0]) - b[$0]) }.max()! / scale
    }.max()!
}

@Suite("Block Hadamard")
struct HadamardTests {
    @Test func blockIsTheLargestPowerOfTwoUpTo128() {
        #expect(BlockHadamard.largestBlock(dividing: 48) == 16)
        #expect(BlockHadamard.largestBlock(dividing: 144) == 16)
        #expect(BlockHadamard.largestBlock(dividing: 128) == 128)
        #expect(BlockHadamard.largestBlock(dividing: 768) == 128)
        #expect(BlockHadamard.largestBlock(dividing: 7) == 1)
        #expect(throws: QScopeError.self) { try BlockHadamard(block: 12) }
    }

    @Test func matchesTheExplicitSylvesterMatrix() throws {
        var rng = RNG(seed: 11)
        for block in [1, 2, 4, 8, 16, 32] {
            // S_2n = [[S_n, S_n], [S_n, −S_n]], built densely in Double.
            var s: [[Double]] = [[1]]
            while s.count < block { s = s.map { $0 + $0 } + s.map { $0 + $0.map { -$0 } } }
            let rows = 3, cols = 2 * block
            let x = (0..<(rows * cols)).map { _ in Float(rng.nextGaussian()) }
            let y = transform(try BlockHadamard(block: block), x, rows: rows)
            let e = 1 / Double(block).squareRoot()
            for r in 0..<rows {
                for j in 0..<cols {
                    let b0 = j / block * block
                    let want = (0..<block).map { Double(x[r * cols + b0 + $0]) * s[$0][j - b0] * e }.reduce(0, +)
                    #expect(abs(Double(y[r * cols + j]) - want) < 1e-5, "block \(block) [\(r), \(j)]")
                }
            }
        }
    }

    @Test func isOrthogonalAndItsOwnInverse() throws {
        var rng = RNG(seed: 12)
        let rows = 4, cols = 384
        let x = (0..<(rows * cols)).map { _ in Float(rng.nextGaussian()) }
        let h = try BlockHadamard(block: BlockHadamard.largestBlock(dividing: cols))
        #expect(h.block == 128)
        let hx = transform(h, x, rows: rows), back = transform(h, hx, rows: rows)
        for r in 0..<rows {
            let n0 = x[(r * cols)..<((r + 1) * cols)].map { Double($0 * $0) }.reduce(0, +)
            let n1 = hx[(r * cols)..<((r + 1) * cols)].map { Double($0 * $0) }.reduce(0, +)
            #expect(abs(n1 / n0 - 1) < 1e-5)
        }
        #expect(zip(back, x).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func bf16EntriesAreTheReferenceConstant() throws {
        #expect(try BlockHadamard(block: 128, bf16Entries: true).entry == 0.08837890625)
        #expect(try BlockHadamard(block: 16, bf16Entries: true).entry == 0.25)
    }
}

@Suite("QuEST")
struct QuESTTests {
    @Test func bitWidthsAndConstants() throws {
        for bits in 2...8 { #expect(try QuEST(bits: bits).bits == bits) }
        #expect(throws: QScopeError.self) { try QuEST(bits: 1) }
        #expect(throws: QScopeError.self) { try QuEST(bits: 9) }
        #expect(throws: QScopeError.self) { try QuEST(bits: 4, hadamardBlock: 24) }
        let q = try QuEST(bits: 4)
        #expect(q.clip == Float(2.513930578568423))
        #expect(q.trust == Float(0.16759537190456153))
        #expect(throws: QScopeError.self) { try forward(try QuEST(bits: 4, hadamardBlock: 32), [Float](repeating: 1, count: 48), rows: 1, cols: 48, domain: .hadamard) }
    }

    @Test func zeroInTheRotatedBasisRoundsHalfToEven() throws {
        // Width 2: x_h = [1, 1]·H = [√2, 0], std = 1. 0/step + ½ is an exact tie; torch.round gives 0,
        // so x_q = −step/2 (away-from-zero rounding would give +step/2): docs/quantization.md §2.1.
        let q = try QuEST(bits: 4)
        let (y, m) = try forward(q, [1, 1], rows: 1, cols: 2, domain: .hadamard)
        let step = 2 * (q.clip * 1 + 1e-8) / 15
        #expect(abs(y[1] + step / 2) < 1e-7, "\(y)")
        // √2/step + ½ = 4.72 is no tie: x_q = 4.5·step is 0.094 from √2, inside T·std = 0.168.
        // (m[1] is not checked: step/2 exceeds T·std only by 1e-8/15, an fp32 coin toss.)
        #expect(m[0] == 1)
    }

    @Test func replaysTheGoldenVectors() throws {
        let cases = try QuESTGolden.all()
        #expect(cases.count >= 10)
        for g in cases {
            let q = try QuEST(bits: g.bits, hadamardBlock: g.block == BlockHadamard.largestBlock(dividing: g.cols) ? nil : g.block,
                              bf16Hadamard: g.bf16)
            #expect(try q.hadamard(cols: g.cols).block == g.block)
            let x = g.x.map { Float($0) }
            for domain in QuESTDomain.allCases {
                let (y, m) = try forward(q, x, rows: g.rows, cols: g.cols, domain: domain)
                // Every rounding decision is ≥ 5e-3 of a step from a tie (the generator moves values),
                // so fp32 and fp64 agree on the grid point and differ only by the fp32 error of
                // step and of H (~1e-6 of the row's scale): 2e-5 leaves room without hiding a
                // one-step slip (≥ 1/255 of the scale at 8 bits).
                let want = domain == .hadamard ? g.y_hadamard : g.y_original
                let err = rowRelativeError(y, want, cols: g.cols)
                #expect(err < 2e-5, "\(g.name) \(domain): y error \(err)")
                let ambiguous = Set(g.mask_ambiguous)
                let wrong = (0..<m.count).filter { !ambiguous.contains($0) && Double(m[$0]) != g.mask[$0] }
                #expect(wrong.isEmpty, "\(g.name) \(domain): mask differs at \(wrong)")
                // The zeros are exact ties in both precisions and must land on −step/2 exactly.
                if domain == .hadamard {
                    for i in g.zeros { #expect(y[i] < 0 && abs(Double(y[i]) - g.y_hadamard[i]) < 1e-6 * abs(g.y_hadamard[i])) }
                }
                // The mask is an input to backward, so feed the reference's: ambiguous entries then agree.
                let dx = try backward(q, g.dy.map { Float($0) }, mask: g.mask.map { Float($0) }, rows: g.rows, cols: g.cols, domain: domain)
                let dxErr = rowRelativeError(dx, domain == .hadamard ? g.dx_hadamard : g.dx_original, cols: g.cols)
                #expect(dxErr < 2e-5, "\(g.name) \(domain): dx error \(dxErr)")
            }
        }
    }

    @Test func backwardIsTheGradientOfTheMaskedLinearSurrogate() throws {
        // With the mask frozen, the STE treats x ↦ y as S(x) = m ⊙ (x·H) (hadamard) or
        // (m ⊙ (x·H))·Hᵀ (original). Central differences of L(x) = Σ dy ⊙ S(x) check the chain
        // rule independently of backward's own formula.
        var rng = RNG(seed: 13)
        let rows = 2, cols = 16
        let q = try QuEST(bits: 2)
        let h = try q.hadamard(cols: cols)
        let x = (0..<(rows * cols)).map { _ in Float(rng.nextGaussian()) }
        let dy = (0..<(rows * cols)).map { _ in Float(rng.nextGaussian()) }
        for domain in QuESTDomain.allCases {
            let (_, m) = try forward(q, x, rows: rows, cols: cols, domain: domain)
            #expect(m.contains(0) && m.contains(1), "2 bits should clip some values")
            func loss(_ x: [Float]) -> Double {
                var s = zip(transform(h, x, rows: rows), m).map { $0 * $1 }
                if domain == .original { s = transform(h, s, rows: rows) }
                return zip(s, dy).map { Double($0 * $1) }.reduce(0, +)
            }
            let dx = try backward(q, dy, mask: m, rows: rows, cols: cols, domain: domain)
            let eps: Float = 1e-2
            for i in 0..<x.count {
                var up = x, down = x
                up[i] += eps
                down[i] -= eps
                let fd = (loss(up) - loss(down)) / Double(2 * eps)
                #expect(abs(fd - Double(dx[i])) < 1e-3, "\(domain) [\(i)]: fd \(fd) vs \(dx[i])")
            }
        }
    }

    @Test func backwardInPlaceMatchesOutOfPlace() throws {
        var rng = RNG(seed: 14)
        let q = try QuEST(bits: 4)
        let dy = (0..<96).map { _ in Float(rng.nextGaussian()) }
        let m = (0..<96).map { _ in Float(rng.nextInt(below: 2)) }
        let out = try backward(q, dy, mask: m, rows: 2, cols: 48, domain: .original)
        var inPlace = dy
        try inPlace.withUnsafeMutableBufferPointer { p in
            try m.withUnsafeBufferPointer {
                try q.backward(p.baseAddress!, mask: $0.baseAddress!, into: p.baseAddress!, rows: 2, cols: 48, domain: .original)
            }
        }
        #expect(out == inPlace)
    }
}

@Suite("Straight-through estimator")
struct StraightThroughTests {
    @Test func forwardIsRoundToNearestAndBackwardIsIdentity() throws {
        let rtn = try RoundToNearest(bits: 4, granularity: .row)
        let ste = StraightThrough(rtn)
        let x: [Float] = [1.4, 0.3, -0.5, 0.05, -3, 0.2]
        var y = [Float](repeating: 0, count: 6), want = y, dx = y
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ste.forward(xs.baseAddress!, into: $0.baseAddress!, rows: 2, cols: 3) }
            want.withUnsafeMutableBufferPointer { rtn.apply(xs.baseAddress!, into: $0.baseAddress!, rows: 2, cols: 3) }
            // Identity STE (docs/quantization.md §6): no mask, even for the row's extreme values.
            dx.withUnsafeMutableBufferPointer { ste.backward(xs.baseAddress!, into: $0.baseAddress!, rows: 2, cols: 3) }
        }
        #expect(y == want)
        #expect(dx == x)
    }
}
