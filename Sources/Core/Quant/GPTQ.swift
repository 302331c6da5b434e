/// GPTQ post-training quantization of one linear layer, exactly as IST-DASLab/gptq `fasterquant`
/// (docs/quantization.md §4) with the grids of `quant.py` (§3.2), in Float32 like the reference.
///
/// H = (2/N)·XᵀX from the layer's calibration inputs; dead inputs (H_ii = 0) get H_ii = 1 and a
/// zero weight column; optional act-order permutes columns by diag(H) descending; damping adds
/// percdamp·mean(diag H) to the diagonal; U is the upper Cholesky factor of H⁻¹. Columns are then
/// quantized left to right in blocks of `blockSize`, each error fed back into the not-yet-quantized
/// columns of its block at once and into later blocks lazily, with one GEMM per block.
public struct GPTQ: Sendable, Equatable {
    public var bits: Int
    public var symmetric: Bool
    public var grid: SymmetricGrid
    /// Columns per quantization group (per-row parameters when nil). Parameters of a group are
    /// computed when its first column is reached, from the weights as updated so far.
    public var groupSize: Int?
    /// Quantize columns in order of decreasing diag(H) (the result is returned in the original order).
    public var actOrder: Bool
    /// Damping as a fraction of mean(diag H).
    public var percdamp: Float
    public var blockSize: Int

    public init(bits: Int, symmetric: Bool, grid: SymmetricGrid = .gptq, groupSize: Int? = nil,
                actOrder: Bool = false, percdamp: Float = 0.01, blockSize: Int = 128) throws {
        guard (2...8).contains(bits) else { throw QScopeError.badInput("GPTQ: bits must be 2 to 8 (got \(bits))") }
        if let g = groupSize, g <= 0 { throw QScopeError.badInput("GPTQ: group size must be positive (got \(g))") }
        guard percdamp.isFinite, percdamp >= 0 else { throw QScopeError.badInput("GPTQ: percdamp must be ≥ 0 (got \(percdamp))") }
        guard blockSize > 0 else { throw QScopeError.badInput("GPTQ: block size must be positive (got \(blockSize))") }
        self.bits = bits
        self.symmetric = symmetric
        self.grid = grid
        self.groupSize = groupSize
        self.actOrder = actOrder
        self.percdamp = percdamp
        self.blockSize = blockSize
    }

    /// Quantizes `weight` (rows = out, columns = in; row-major) using `calibration` (samples, in;
    /// row-major, the layer's inputs) and writes the dequantized weights (out, in) to `dequantized`.
    ///
    /// Throws `.badInput` for mismatched shapes or non-finite inputs, and `.runtime` when the
    /// damped Hessian is not positive definite: the reference raises there too, and retrying with
    /// a different damping would silently change the algorithm; raise `percdamp` instead.
    public func quantize(weight: [Float], rows: Int, columns: Int, calibration: [Float], samples: Int,
                         into dequantized: inout [Float]) throws {
        guard rows > 0, columns > 0, samples > 0 else {
            throw QScopeError.badInput("GPTQ: empty shape (out \(rows), in \(columns), samples \(samples))")
        }
        guard weight.count == rows * columns else {
            throw QScopeError.badInput("GPTQ: weight has \(weight.count) values, expected \(rows)×\(columns)")
        }
        guard calibration.count == samples * columns else {
            throw QScopeError.badInput("GPTQ: calibration has \(calibration.count) values, expected \(samples)×\(columns)")
        }
        guard weight.allSatisfy(\.isFinite), calibration.allSatisfy(\.isFinite) else {
            throw QScopeError.badInput("GPTQ: weight or calibration is not finite")
        }
        var h = Self.hessian(calibration: calibration, samples: samples, columns: columns)
        if dequantized.count != rows * columns { dequantized = [Float](repeating: 0, count: rows * columns) }
        var w = weight
        try w.withUnsafeMutableBufferPointer { w in
            try h.withUnsafeMutableBufferPointer { h in
                try dequantized.withUnsafeMutableBufferPointer { q in
                    try run(w: w.baseAddress!, h: h.baseAddress!, q: q.baseAddress!, rows: rows, columns: columns)
                }
            }
        }
    }

    /// H (columns × columns) = (2/N)·XᵀX for X (samples, columns), formed as the reference does:
    /// inputs scaled by √(2/N) first, then one product.
    public static func hessian(calibration x: [Float], samples: Int, columns: Int) -> [Float] {
        let s = (2 / Float(samples)).squareRoot()
        let scaled = x.map { $0 * s }
        var h = [Float](repeating: 0, count: columns * columns)
        scaled.withUnsafeBufferPointer { x in
            h.withUnsafeMutableBufferPointer { h in
                BLAS.gemm(transA: true, transB: false, m: columns, n: columns, k: samples,
                          a: x.baseAddress!, lda: columns, b: x.baseAddress!, ldb: columns,
                          c: h.baseAddress!, ldc: columns)
            }
        }
        return h
    }

    /// The algorithm on W (rows, n), H (n, n), both overwritten, writing Q (rows, n).
    private func run(w: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                     q: UnsafeMutablePointer<Float>, rows: Int, columns n: Int) throws {
        // Per-row parameters come from W before dead columns are zeroed, as in the reference.
        var params = (0..<rows).map { QuantParams(bits: bits, symmetric: symmetric, grid: grid, values: w + $0 * n, count: n) }
        for i in 0..<n where h[i * n + i] == 0 {
            h[i * n + i] = 1
            for r in 0..<rows { w[r * n + i] = 0 }
        }
        var perm = Array(0..<n)
        if actOrder {
            // Stable descending order; ties (e.g. dead columns) keep their original order.
            perm.sort { h[$0 * n + $0] > h[$1 * n + $1] || (h[$0 * n + $0] == h[$1 * n + $1] && $0 < $1) }
            Self.permute(w, rows: rows, columns: n, by: perm)
            Self.permute(h, rows: n, columns: n, by: perm)
            let rowsCopy = Array(UnsafeBufferPointer(start: h, count: n * n))
            for (k, p) in perm.enumerated() {
                for c in 0..<n { h[k * n + c] = rowsCopy[p * n + c] }
            }
        }
        var diagSum: Float = 0
        for i in 0..<n { diagSum += h[i * n + i] }
        let damp = percdamp * (diagSum / Float(n))
        for i in 0..<n { h[i * n + i] += damp }
        do {
            try Cholesky.upperFactorOfInverse(h, n: n)
        } catch {
            throw QScopeError.runtime("GPTQ: damped Hessian is not positive definite (\(error)); raise percdamp or add calibration samples")
        }
        let u = UnsafePointer(h)
        let bs = Swift.min(blockSize, n)
        let w1 = UnsafeMutablePointer<Float>.allocate(capacity: rows * bs)
        let err = UnsafeMutablePointer<Float>.allocate(capacity: rows * bs)
        let qp = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
        defer { w1.deallocate(); err.deallocate(); qp.deallocate() }
        var i1 = 0
        while i1 < n {
            let i2 = Swift.min(i1 + bs, n), count = i2 - i1
            for r in 0..<rows { (w1 + r * count).update(from: w + r * n + i1, count: count) }
            for i in 0..<count {
                let j = i1 + i
                if let g = groupSize, j % g == 0 {
                    // Reads the outer W, whose columns in this block are stale until the block
                    // ends: the reference does the same, and matching it matters for the codes.
                    let len = Swift.min(g, n - j)
                    for r in 0..<rows {
                        params[r] = QuantParams(bits: bits, symmetric: symmetric, grid: grid, values: w + r * n + j, count: len)
                    }
                }
                let d = u[j * n + j]
                let uRow = u + j * n + j
                for r in 0..<rows {
                    let row = w1 + r * count
                    let value = row[i]
                    let quantized = params[r].fakeQuantize(value)
                    qp[r * n + j] = quantized
                    let e = (value - quantized) / d
                    for k in i..<count { row[k] -= e * uRow[k - i] }
                    err[r * count + i] = e
                }
            }
            if i2 < n {
                // Lazy batch update of the later columns: W[:, i2:] −= Err · U[i1:i2, i2:].
                BLAS.gemm(transA: false, transB: false, m: rows, n: n - i2, k: count, alpha: -1,
                          a: err, lda: count, b: u + i1 * n + i2, ldb: n, beta: 1, c: w + i2, ldc: n)
            }
            i1 = i2
        }
        for r in 0..<rows {
            for k in 0..<n { q[r * n + perm[k]] = qp[r * n + k] }
        }
        guard Kernels.allFinite(UnsafePointer(q), count: rows * n) else {
            throw QScopeError.runtime("GPTQ: result is not finite")
        }
    }

    /// Reorders the columns of a (rows, columns) row-major matrix: column k ← column perm[k].
    private static func permute(_ a: UnsafeMutablePointer<Float>, rows: Int, columns n: Int, by perm: [Int]) {
        var tmp = [Float](repeating: 0, count: n)
        for r in 0..<rows {
            for k in 0..<n { tmp[k] = a[r * n + perm[k]] }
            for k in 0..<n { a[r * n + k] = tmp[k] }
        }
    }
}
