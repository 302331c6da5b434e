import Core
import Foundation
import Testing

/// Dense linear algebra: each routine against its defining identity (A = QΛQᵀ, Q·R = A, L·Lᵀ = A,
/// R^p·(A + εI) = I, T·T⁻¹ = I), Newton–Schulz against KellerJordan's code run in fp64, and every
/// failure path (NaN input, non-PD, singular) as a thrown `LinalgError`, never a trap.
@Suite("Linear algebra")
struct LinalgTests {
    // MARK: - Helpers (row-major, checked in Double)

    /// Owned scratch for one call; tests copy in and out as arrays.
    final class Buf<T: LinalgScalar> {
        let p: UnsafeMutablePointer<T>
        let count: Int
        init(_ values: [T]) {
            count = values.count
            p = .allocate(capacity: Swift.max(count, 1))
            p.initialize(from: values, count: count)
        }
        convenience init(count: Int) { self.init([T](repeating: 0, count: count)) }
        deinit { p.deallocate() }
        var array: [T] { Array(UnsafeBufferPointer(start: p, count: count)) }
        var doubles: [Double] { array.map { Double($0) } }
    }

    static func tolerance<T: LinalgScalar>(_: T.Type) -> Double { T.self == Float.self ? 1e-4 : 1e-10 }

    static func mul(_ a: [Double], _ b: [Double], _ m: Int, _ k: Int, _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { let x = a[i * k + p]; for j in 0..<n { c[i * n + j] += x * b[p * n + j] } } }
        return c
    }

    static func transpose(_ a: [Double], _ r: Int, _ c: Int) -> [Double] {
        var t = [Double](repeating: 0, count: r * c)
        for i in 0..<r { for j in 0..<c { t[j * r + i] = a[i * c + j] } }
        return t
    }

    static func eye(_ n: Int, scale: Double = 1) -> [Double] {
        var e = [Double](repeating: 0, count: n * n)
        for i in 0..<n { e[i * n + i] = scale }
        return e
    }

    static func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }
    static func maxAbsDiff(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
    static func maxAbs(_ a: [Double]) -> Double { a.map(abs).max() ?? 0 }

    static func gaussian(_ count: Int, _ rng: inout RNG) -> [Double] { (0..<count).map { _ in rng.nextGaussian() } }

    /// M·Mᵀ/r + shift·I for M n×r: SPD when shift > 0 or r ≥ n, rank r otherwise.
    static func gram(n: Int, rank r: Int, shift: Double = 0, _ rng: inout RNG) -> [Double] {
        let m = gaussian(n * r, &rng)
        return add(mul(m, transpose(m, n, r), n, r, n).map { $0 / Double(r) }, eye(n, scale: shift))
    }

    /// llm.c-style line: label, first values, and the max difference.
    static func report(_ label: String, _ values: [Double], maxDiff: Double) {
        let first = values.prefix(4).map { String(format: "%+.6f", $0) }.joined(separator: " ")
        print("\(label): [\(first)] max|diff| \(String(format: "%.2e", maxDiff))")
    }

    // MARK: - Symmetric eigendecomposition

    /// Decomposes `a`, then checks ascending order, A = QΛQᵀ (relative) and QᵀQ = I.
    @discardableResult
    static func checkEigen<T: LinalgScalar>(_ a: [Double], n: Int, _ type: T.Type, label: String,
                                            workspace: SymmetricEigen<T>? = nil) throws -> (values: [Double], vectors: [Double]) {
        let ws = workspace ?? SymmetricEigen<T>(n: n)
        let input = Buf<T>(a.map { T($0) }), w = Buf<T>(count: n), q = Buf<T>(count: n * n)
        try ws.decompose(input.p, eigenvalues: w.p, eigenvectors: q.p)
        let values = w.doubles, vectors = q.doubles
        for i in 1..<n { #expect(values[i - 1] <= values[i], "\(label): eigenvalues not ascending") }
        var scaled = vectors
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= values[j] } }
        let rebuilt = mul(scaled, transpose(vectors, n, n), n, n, n)
        let reconstruction = maxAbsDiff(rebuilt, a) / maxAbs(a)
        let orthonormality = maxAbsDiff(mul(transpose(vectors, n, n), vectors, n, n, n), eye(n))
        report("\(label) A=QΛQᵀ λ", values, maxDiff: reconstruction)
        report("\(label) QᵀQ=I Q", vectors, maxDiff: orthonormality)
        let tol = tolerance(T.self)
        #expect(reconstruction < tol, "\(label): reconstruction \(reconstruction)")
        #expect(orthonormality < tol, "\(label): orthonormality \(orthonormality)")
        return (values, vectors)
    }

    @Test func eigenReconstructsRandomSPDAndRankDeficient() throws {
        var rng = RNG(seed: 1)
        for n in [1, 7, 40] {
            let spd = Self.gram(n: n, rank: n + 3, shift: 0.1, &rng)
            try Self.checkEigen(spd, n: n, Float.self, label: "f32 SPD n=\(n)")
            try Self.checkEigen(spd, n: n, Double.self, label: "f64 SPD n=\(n)")
        }
        // Rank 3 of 12: nine eigenvalues are zero up to rounding, and their eigenspace is still
        // given an orthonormal basis.
        let low = Self.gram(n: 12, rank: 3, &rng)
        let (values, _) = try Self.checkEigen(low, n: 12, Double.self, label: "f64 rank 3/12")
        #expect(values.prefix(9).allSatisfy { abs($0) < 1e-12 } && values[9] > 1e-3)
        try Self.checkEigen(low, n: 12, Float.self, label: "f32 rank 3/12")
    }

    @Test func eigenOfPermutedDiagonalIsExact() throws {
        // A = P·diag(d)·Pᵀ: eigenvalues are d sorted, eigenvectors ± unit vectors.
        let d: [Double] = [5, -1, 3, 0.5, 2, 7], perm = [3, 0, 5, 1, 4, 2], n = 6
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { a[perm[i] * n + perm[i]] = d[i] }
        func run<T: LinalgScalar>(_: T.Type, tol: Double) throws {
            let (values, vectors) = try Self.checkEigen(a, n: n, T.self, label: "\(T.self) permuted diag")
            #expect(Self.maxAbsDiff(values, d.sorted()) < tol)
            for j in 0..<n {
                let row = perm[d.firstIndex(of: d.sorted()[j])!]  // where that eigenvalue sits
                #expect(abs(abs(vectors[row * n + j]) - 1) < tol, "eigenvector \(j) not e_\(row)")
            }
        }
        try run(Float.self, tol: 1e-6)
        try run(Double.self, tol: 1e-14)
    }

    @Test func float64PathFromFloat32MatchesFloat64() throws {
        // Eigenvalues from 1 down to 1e-9: Float32 cannot resolve the small ones, Float64 can.
        var rng = RNG(seed: 2)
        let n = 16
        let basis = Buf<Double>(Self.gaussian(n * n, &rng)), r = Buf<Double>(count: n * n)
        try HouseholderQR<Double>(rows: n, cols: n).factor(basis.p, q: r.p)
        var scaled = r.doubles
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= Math.pow(10, -9 * Double(j) / Double(n - 1)) } }
        let a = Self.mul(scaled, Self.transpose(r.doubles, n, n), n, n, n).map { Double(Float($0)) }
        let eigen = SymmetricEigen<Double>(n: n)
        let input = Buf<Float>(a.map { Float($0) }), w = Buf<Float>(count: n), q = Buf<Float>(count: n * n)
        try eigen.decompose(input.p, eigenvalues: w.p, eigenvectors: q.p)
        let (reference, _) = try Self.checkEigen(a, n: n, Double.self, label: "f64 ill-conditioned", workspace: eigen)
        let diff = zip(w.doubles, reference).map { abs($0 - $1) / Swift.max(abs($1), 1e-30) }.max()!
        Self.report("f32→f64→f32 eigenvalues (relative)", w.doubles, maxDiff: diff)
        #expect(diff < 1e-6)  // Float rounding of each value only, even at 1e-9
        let f32 = Buf<Float>(a.map { Float($0) })
        try SymmetricEigen<Float>(n: n).decompose(f32.p, eigenvalues: w.p, eigenvectors: q.p)
        print("for contrast, Float32 eigh: smallest λ \(w.array[0]) vs \(reference[0])")
    }

    // MARK: - Inverse root

    /// R^p·(A_reg) for the regularised A, which must be I.
    static func rootIdentityError(_ root: [Double], _ aReg: [Double], n: Int, p: Int) -> Double {
        var power = eye(n)
        for _ in 0..<p { power = mul(power, root, n, n, n) }
        return maxAbsDiff(mul(power, aReg, n, n, n), eye(n))
    }

    @Test func inverseRootSatisfiesItsIdentity() throws {
        var rng = RNG(seed: 3)
        let n = 10, eps = 1e-3
        let spd = Self.gram(n: n, rank: 2 * n, shift: 0.2, &rng)
        // PSD of rank 4: six eigenvalues of order ±1e-16 that the clamp sends to ε.
        let low = Self.gram(n: n, rank: 4, &rng)
        for p in [2, 4] {
            for (name, a) in [("SPD", spd), ("rank 4", low)] {
                let r64 = Buf<Double>(a)
                try InverseRoot<Double>(n: n).compute(r64.p, p: Double(p), epsilon: eps, into: r64.p)
                let e64 = Self.rootIdentityError(r64.doubles, Self.add(a, Self.eye(n, scale: eps)), n: n, p: p)
                Self.report("f64 \(name) R^\(p)(A+εI)=I R", r64.doubles, maxDiff: e64)
                #expect(e64 < 1e-9)

                // Float32 in and out: against Float64 on the same (Float-rounded) matrix. Rounding
                // gives the rank-4 matrix eigenvalues of ±1e-8, some negative, which are clamped.
                let rounded = a.map { Double(Float($0)) }
                let reference = Buf<Double>(rounded)
                try InverseRoot<Double>(n: n).compute(reference.p, p: Double(p), epsilon: eps, into: reference.p)
                let mixed = Buf<Float>(a.map { Float($0) }), out = Buf<Float>(count: n * n)
                try InverseRoot<Double>(n: n).compute(mixed.p, p: Double(p), epsilon: eps, into: out.p)
                let eMixed = Self.maxAbsDiff(out.doubles, reference.doubles) / Self.maxAbs(reference.doubles)
                Self.report("f32→f64 \(name) p=\(p) vs f64", out.doubles, maxDiff: eMixed)
                #expect(eMixed < 1e-6)

                guard name == "SPD" else { continue }  // Float32 eigh on a singular matrix: see above
                let r32 = Buf<Float>(a.map { Float($0) })
                try InverseRoot<Float>(n: n).compute(r32.p, p: Double(p), epsilon: Float(eps), into: r32.p)
                let e32 = Self.rootIdentityError(r32.doubles, Self.add(rounded, Self.eye(n, scale: eps)), n: n, p: p)
                Self.report("f32 \(name) R^\(p)(A+εI)=I R", r32.doubles, maxDiff: e32)
                #expect(e32 < 1e-4)
            }
        }
    }

    @Test func inverseRootRegularisationModes() throws {
        // diag(-0.5, 0, 2) in a rotated basis. clampThenAdd: λ̃ = (ε, ε, 2+ε).
        // perturbThenShift: eigh(A+εI) = (ε-0.5, ε, 2+ε); min < ε ⇒ shift by 0.5: (ε, 0.5+ε, 2.5+ε).
        var rng = RNG(seed: 4)
        let n = 3, eps = 0.01
        let g = Buf<Double>(Self.gaussian(n * n, &rng)), q = Buf<Double>(count: n * n)
        try HouseholderQR<Double>(rows: n, cols: n).factor(g.p, q: q.p)
        func rotated(_ d: [Double]) -> [Double] {
            var s = q.doubles
            for i in 0..<n { for j in 0..<n { s[i * n + j] *= d[j] } }
            return Self.mul(s, Self.transpose(q.doubles, n, n), n, n, n)
        }
        let a = rotated([-0.5, 0, 2])
        for (mode, regularised) in [(InverseRoot<Double>.Regularization.clampThenAdd, [eps, eps, 2 + eps]),
                                    (.perturbThenShift, [eps, 0.5 + eps, 2.5 + eps])] {
            let root = InverseRoot<Double>(n: n), r = Buf<Double>(a)
            try root.compute(r.p, p: 2, epsilon: eps, regularization: mode, into: r.p)
            let expected = rotated(regularised.map { 1 / $0.squareRoot() })
            let diff = Self.maxAbsDiff(r.doubles, expected)
            Self.report("inverse sqrt \(mode)", r.doubles, maxDiff: diff)
            #expect(diff < 1e-10)
            #expect(Self.maxAbsDiff((0..<n).map { root.lastEigenvalues[$0] }, regularised) < 1e-12)
        }
    }

    // MARK: - QR

    @Test func qrGivesOrthonormalQAndUpperR() throws {
        func check<T: LinalgScalar>(_: T.Type, m: Int, n: Int, rng: inout RNG) throws {
            let a = Self.gaussian(m * n, &rng)
            let qr = HouseholderQR<T>(rows: m, cols: n)
            let input = Buf<T>(a.map { T($0) }), q = Buf<T>(count: m * n), r = Buf<T>(count: n * n)
            for _ in 0..<2 { try qr.factor(input.p, q: q.p, r: r.p) }  // the workspace is reusable
            let qd = q.doubles, rd = r.doubles
            let orth = Self.maxAbsDiff(Self.mul(Self.transpose(qd, m, n), qd, n, m, n), Self.eye(n))
            let recon = Self.maxAbsDiff(Self.mul(qd, rd, m, n, n), a) / Self.maxAbs(a)
            Self.report("\(T.self) QR \(m)×\(n) QᵀQ=I, Q", qd, maxDiff: orth)
            Self.report("\(T.self) QR \(m)×\(n) Q·R=A, R", rd, maxDiff: recon)
            let tol = Self.tolerance(T.self)
            #expect(orth < tol && recon < tol)
            for i in 0..<n { for j in 0..<i { #expect(rd[i * n + j] == 0) } }
            // In place: q may alias a.
            try qr.factor(input.p, q: input.p)
            #expect(input.array == q.array)
        }
        var rng = RNG(seed: 5)
        for (m, n) in [(8, 5), (6, 6), (33, 1)] {
            try check(Float.self, m: m, n: n, rng: &rng)
            try check(Double.self, m: m, n: n, rng: &rng)
        }
    }

    // MARK: - Cholesky and triangular

    @Test func choleskyFactorsInvertsAndSolves() throws {
        func check<T: LinalgScalar>(_: T.Type, rng: inout RNG) throws {
            let n = 9, tol = Self.tolerance(T.self)
            let a = Self.gram(n: n, rank: n + 5, shift: 0.5, &rng)
            let lower = Buf<T>(a.map { T($0) }), upper = Buf<T>(a.map { T($0) })
            try Cholesky.factor(lower.p, n: n, triangle: .lower)
            try Cholesky.factor(upper.p, n: n, triangle: .upper)
            let l = lower.doubles, u = upper.doubles
            let eLower = Self.maxAbsDiff(Self.mul(l, Self.transpose(l, n, n), n, n, n), a) / Self.maxAbs(a)
            let eUpper = Self.maxAbsDiff(Self.mul(Self.transpose(u, n, n), u, n, n, n), a) / Self.maxAbs(a)
            Self.report("\(T.self) Cholesky L·Lᵀ=A, L", l, maxDiff: eLower)
            Self.report("\(T.self) Cholesky Uᵀ·U=A, U", u, maxDiff: eUpper)
            #expect(eLower < tol && eUpper < tol)
            #expect(Self.maxAbsDiff(l, Self.transpose(u, n, n)) < tol)  // the same factor
            for i in 0..<n { for j in (i + 1)..<n { #expect(l[i * n + j] == 0 && u[j * n + i] == 0) } }

            let inverse = Buf<T>(a.map { T($0) })
            try Cholesky.invert(inverse.p, n: n)
            let eInv = Self.maxAbsDiff(Self.mul(a, inverse.doubles, n, n, n), Self.eye(n))
            Self.report("\(T.self) A·A⁻¹=I, A⁻¹", inverse.doubles, maxDiff: eInv)
            #expect(eInv < tol * 10)

            // GPTQ: U upper with H⁻¹ = UᵀU and a positive diagonal.
            let h = Buf<T>(a.map { T($0) })
            try Cholesky.upperFactorOfInverse(h.p, n: n)
            let hu = h.doubles
            let eGPTQ = Self.maxAbsDiff(Self.mul(Self.transpose(hu, n, n), hu, n, n, n), inverse.doubles)
            Self.report("\(T.self) chol(H⁻¹) upper UᵀU=H⁻¹", hu, maxDiff: eGPTQ)
            #expect(eGPTQ < tol * 10)
            for i in 0..<n { #expect(hu[i * n + i] > 0); for j in 0..<i { #expect(hu[i * n + j] == 0) } }

            // Every solve variant: op(T)·X = α·B (left) or X·op(T) = α·B (right).
            let m = 4, alpha = 0.5
            for side in [MatrixSide.left, .right] {
                for (triangle, factor) in [(MatrixTriangle.lower, l), (.upper, u)] {
                    for transpose in [false, true] {
                        let b = Self.gaussian(side == .left ? n * m : m * n, &rng)
                        let x = Buf<T>(b.map { T($0) })
                        let t = Buf<T>(factor.map { T($0) })
                        let (rowsB, colsB) = side == .left ? (n, m) : (m, n)
                        Triangular.solve(side: side, triangle: triangle, transpose: transpose, m: rowsB, n: colsB,
                                         alpha: T(alpha), a: t.p, lda: n, b: x.p, ldb: colsB)
                        let op = transpose ? Self.transpose(factor, n, n) : factor
                        let back = side == .left ? Self.mul(op, x.doubles, n, n, m) : Self.mul(x.doubles, op, m, n, n)
                        let e = Self.maxAbsDiff(back, b.map { $0 * alpha }) / Self.maxAbs(b)
                        #expect(e < tol, "trsm \(side) \(triangle) transpose \(transpose): \(e)")
                    }
                }
            }
        }
        var rng = RNG(seed: 6)
        try check(Float.self, rng: &rng)
        try check(Double.self, rng: &rng)
    }

    @Test func triangularInverse() throws {
        func check<T: LinalgScalar>(_: T.Type, triangle: MatrixTriangle, unit: Bool, rng: inout RNG) throws {
            let n = 7
            var t = Self.gaussian(n * n, &rng)
            for i in 0..<n {
                for j in 0..<n where triangle == .upper ? j < i : j > i { t[i * n + j] = 0 }
                t[i * n + i] = unit ? 1 : 2 + abs(t[i * n + i])
            }
            let inv = Buf<T>(t.map { T($0) })
            try Triangular.invert(inv.p, n: n, triangle: triangle, unitDiagonal: unit)
            let e = Self.maxAbsDiff(Self.mul(t, inv.doubles, n, n, n), Self.eye(n))
            Self.report("\(T.self) \(triangle)\(unit ? " unit" : "") T·T⁻¹=I, T⁻¹", inv.doubles, maxDiff: e)
            #expect(e < Self.tolerance(T.self))
        }
        var rng = RNG(seed: 7)
        for triangle in [MatrixTriangle.upper, .lower] {
            for unit in [false, true] {
                try check(Float.self, triangle: triangle, unit: unit, rng: &rng)
                try check(Double.self, triangle: triangle, unit: unit, rng: &rng)
            }
        }
    }

    // MARK: - Newton–Schulz

    static func orthogonalize<T: LinalgScalar>(_ g: [Double], rows: Int, cols: Int, _: T.Type,
                                               steps: Int = 5) throws -> [Double] {
        let input = Buf<T>(g.map { T($0) }), out = Buf<T>(count: rows * cols)
        try NewtonSchulz<T>(rows: rows, cols: cols).orthogonalize(input.p, into: out.p, steps: steps)
        return out.doubles
    }

    /// Singular values of the rows×cols `x` from the eigenvalues of its small Gram matrix.
    static func singularValues(_ x: [Double], rows: Int, cols: Int) throws -> [Double] {
        let s = Swift.min(rows, cols)
        let g = rows <= cols ? mul(x, transpose(x, rows, cols), rows, cols, rows)
                             : mul(transpose(x, rows, cols), x, cols, rows, cols)
        let w = Buf<Double>(count: s), q = Buf<Double>(count: s * s), a = Buf<Double>(g)
        try SymmetricEigen<Double>(n: s).decompose(a.p, eigenvalues: w.p, eigenvectors: q.p)
        return w.doubles.map { Swift.max($0, 0).squareRoot() }
    }

    @Test func newtonSchulzMatchesKellerJordanFp64() throws {
        // muon.zeropower_via_newtonschulz5 (muon-optimizer 0.1.0), `Tensor.bfloat16` patched to a
        // clone, fp64, steps=5, on G[i][j] = (((7i + 3j + ij) mod 11) − 5)/4 + 0.75·[i = j].
        func g(_ r: Int, _ c: Int) -> [Double] {
            (0..<(r * c)).map { (k: Int) -> Double in
                let i = k / c, j = k % c
                let code: Int = (i * 7 + j * 3 + i * j) % 11 - 5
                let diagonal: Double = i == j ? 0.75 : 0
                return Double(code) / 4 + diagonal
            }
        }
        let golden: [(Int, Int, [Double])] = [
            (4, 6, [-0.40655624397130663, -0.4466171751813723, -0.026756246437371456, 0.7393456227328183,
                    -0.12874232574659528, -0.20495520573052944, 0.5559344024477525, -0.4352575269646076,
                    0.2939560438110613, -0.11669941700112346, -0.789336257221144, -0.0967346263174899,
                    -0.26291796935963896, 0.7864036415667051, 0.02015406162084815, 0.03197354077064693,
                    -0.6081117109842766, 0.27155741910642184, 0.3897105652003301, 0.09251555233361378,
                    -0.702431985935176, 0.5701243429098498, -0.19994371525760013, 0.24994661687981834]),
            (6, 4, [-0.5380842156197999, -0.2818801022813785, 0.06011453085943941, 0.7372895874828299,
                    0.2184872773270532, -0.15946237755901355, -0.019820984547214204, 0.44430419724887504,
                    -0.25912787931416237, 0.34471286764269804, 0.1293027176761833, 0.43674363958550333,
                    0.6872443425368806, 0.08280435784290974, -0.3635323515759238, 0.46544859246765713,
                    0.3982770979731828, -0.07543859593423363, 0.7000624743169084, 0.12340718610577085,
                    -0.14593139010799963, 0.6522236377520632, 0.4518239480753799, 0.037138039225325825]),
        ]
        for (r, c, expected) in golden {
            let x64 = try Self.orthogonalize(g(r, c), rows: r, cols: c, Double.self)
            let x32 = try Self.orthogonalize(g(r, c), rows: r, cols: c, Float.self)
            let d64 = Self.maxAbsDiff(x64, expected), d32 = Self.maxAbsDiff(x32, expected)
            Self.report("NS f64 vs KJ \(r)×\(c)", x64, maxDiff: d64)
            Self.report("NS f32 vs KJ \(r)×\(c)", x32, maxDiff: d32)
            #expect(d64 < 1e-12)
            #expect(d32 < 1e-5)
        }
    }

    @Test func newtonSchulzSingularValuesAndPrecision() throws {
        var rng = RNG(seed: 8)
        for (r, c) in [(6, 6), (4, 8), (8, 4), (16, 48)] {
            for trial in 0..<3 {
                let g = Self.gaussian(r * c, &rng).map { $0 * Math.pow(10, Double(trial - 1)) }  // scale-free
                let x32 = try Self.orthogonalize(g, rows: r, cols: c, Float.self)
                let x64 = try Self.orthogonalize(g, rows: r, cols: c, Double.self)
                let sv = try Self.singularValues(x32, rows: r, cols: c)
                let diff = Self.maxAbsDiff(x32, x64)
                Self.report("NS \(r)×\(c) f32 vs f64, σ=\(sv.map { String(format: "%.3f", $0) }.prefix(3))", x32,
                            maxDiff: diff)
                #expect(sv.allSatisfy { $0 >= 0.6 && $0 <= 1.2 }, "singular values \(sv)")
                #expect(diff < 1e-4)
            }
        }
        // In place, and steps = 0 is the normalised input.
        let g = Self.gaussian(12, &rng), buf = Buf<Double>(g)
        let ns = NewtonSchulz<Double>(rows: 3, cols: 4)
        try ns.orthogonalize(buf.p, into: buf.p)
        #expect(Self.maxAbsDiff(buf.doubles, try Self.orthogonalize(g, rows: 3, cols: 4, Double.self)) == 0)
        let norm = g.map { $0 * $0 }.reduce(0, +).squareRoot()
        let zeroSteps = try Self.orthogonalize(g, rows: 3, cols: 4, Double.self, steps: 0)
        #expect(Self.maxAbsDiff(zeroSteps, g.map { $0 / (norm + 1e-7) }) < 1e-15)
        #expect(try Self.orthogonalize([Double](repeating: 0, count: 12), rows: 4, cols: 3, Float.self)
                .allSatisfy { $0 == 0 })
    }

    // MARK: - Spectral norm

    @Test func spectralNormPowerIteration() throws {
        var rng = RNG(seed: 9)
        let (m, n) = (12, 7)
        let u = Buf<Double>(Self.gaussian(m * n, &rng)), v = Buf<Double>(Self.gaussian(n * n, &rng))
        let qu = Buf<Double>(count: m * n), qv = Buf<Double>(count: n * n)
        try HouseholderQR<Double>(rows: m, cols: n).factor(u.p, q: qu.p)
        try HouseholderQR<Double>(rows: n, cols: n).factor(v.p, q: qv.p)
        var us = qu.doubles  // A = U·diag(σ)·Vᵀ with σ₁ = 3, σ₂ = 1.5
        let sigma: [Double] = [3, 1.5, 1, 0.7, 0.5, 0.2, 0]
        for i in 0..<m { for j in 0..<n { us[i * n + j] *= sigma[j] } }
        let a = Self.mul(us, Self.transpose(qv.doubles, n, n), m, n, n)
        for iterations in [5, 30] {
            var r1 = RNG(seed: 10), r2 = RNG(seed: 10)
            let a64 = Buf<Double>(a), a32 = Buf<Float>(a.map { Float($0) })
            let s64 = try SpectralNorm<Double>(rows: m, cols: n).estimate(a64.p, iterations: iterations, rng: &r1)
            let s32 = try SpectralNorm<Float>(rows: m, cols: n).estimate(a32.p, iterations: iterations, rng: &r2)
            print("spectral norm \(iterations) iterations: f64 \(s64) f32 \(s32) true 3")
            #expect(s64 <= 3 + 1e-12)
            #expect(abs(s64 - 3) < (iterations == 30 ? 1e-12 : 1e-2))  // rate (1.5/3)² per step
            #expect(abs(Double(s32) - s64) < 1e-5)
        }
        var r3 = RNG(seed: 11)
        let zero = Buf<Double>(count: 6)
        #expect(try SpectralNorm<Double>(rows: 2, cols: 3).estimate(zero.p, rng: &r3) == 0)
    }

    // MARK: - Failure paths

    @Test(arguments: [Double.nan, .infinity])
    func nonFiniteInputThrowsInsteadOfTrapping(_ bad: Double) throws {
        var rng = RNG(seed: 12)
        let n = 5
        var a = Self.gram(n: n, rank: n, shift: 1, &rng)
        a[7] = bad
        let f = Buf<Float>(a.map { Float($0) }), d = Buf<Double>(a)
        let w32 = Buf<Float>(count: n), q32 = Buf<Float>(count: n * n)
        let w64 = Buf<Double>(count: n), q64 = Buf<Double>(count: n * n)
        #expect(throws: LinalgError.nonFiniteInput(routine: "ssyevd")) {
            try SymmetricEigen<Float>(n: n).decompose(f.p, eigenvalues: w32.p, eigenvectors: q32.p)
        }
        #expect(throws: LinalgError.nonFiniteInput(routine: "dsyevd")) {
            try SymmetricEigen<Double>(n: n).decompose(d.p, eigenvalues: w64.p, eigenvectors: q64.p)
        }
        #expect(throws: LinalgError.nonFiniteInput(routine: "dsyevd")) {
            try SymmetricEigen<Double>(n: n).decompose(f.p, eigenvalues: w32.p, eigenvectors: q32.p)
        }
        #expect(throws: LinalgError.self) { try InverseRoot<Float>(n: n).compute(f.p, p: 4, epsilon: 1e-6, into: q32.p) }
        #expect(throws: LinalgError.self) { try InverseRoot<Double>(n: n).compute(f.p, p: 4, epsilon: 1e-6, into: q32.p) }
        #expect(throws: LinalgError.self) { try HouseholderQR<Float>(rows: n, cols: n).factor(f.p, q: q32.p) }
        let f1 = Buf<Float>(f.array), f2 = Buf<Float>(f.array), d1 = Buf<Double>(d.array)
        #expect(throws: LinalgError.self) { try Cholesky.factor(f1.p, n: n, triangle: .lower) }
        #expect(throws: LinalgError.self) { try Cholesky.upperFactorOfInverse(d1.p, n: n) }
        #expect(throws: LinalgError.self) { try Triangular.invert(f2.p, n: n, triangle: .upper) }
        #expect(throws: LinalgError.nonFiniteInput(routine: "newtonSchulz")) {
            try NewtonSchulz<Float>(rows: n, cols: n).orthogonalize(f.p, into: q32.p)
        }
        #expect(throws: LinalgError.self) { try SpectralNorm<Float>(rows: n, cols: n).estimate(f.p, rng: &rng) }
        // The workspaces stay usable after a failure.
        let eigen = SymmetricEigen<Float>(n: n)
        _ = try? eigen.decompose(f.p, eigenvalues: w32.p, eigenvectors: q32.p)
        a[7] = a[2 * n + 1]
        try Self.checkEigen(a, n: n, Float.self, label: "f32 after a failure", workspace: eigen)
    }

    @Test func structuralFailuresThrow() throws {
        let notPD = Buf<Double>([1, 2, 0, 2, 1, 0, 0, 0, 1])  // eigenvalues 3, −1, 1
        #expect(throws: LinalgError.notPositiveDefinite(routine: "dpotrf", order: 2)) {
            try Cholesky.factor(notPD.p, n: 3, triangle: .lower)
        }
        let negative = Buf<Float>([-1, 0, 0, 1]), singular = Buf<Float>([1, 5, 0, 0])
        #expect(throws: LinalgError.notPositiveDefinite(routine: "spotrf", order: 1)) {
            try Cholesky.upperFactorOfInverse(negative.p, n: 2)
        }
        #expect(throws: LinalgError.singular(routine: "strtri", index: 2)) {
            try Triangular.invert(singular.p, n: 2, triangle: .upper)
        }
        let error = LinalgError.notPositiveDefinite(routine: "spotrf", order: 3)
        #expect(error.qscopeError == .runtime("spotrf: matrix is not positive definite (leading minor of order 3)"))
    }
}
