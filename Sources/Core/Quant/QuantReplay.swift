import Foundation

/// Runs one quantizer on one matrix: the engine of `qscope quant-replay`.
///
/// Input: `{"method": "rtn"|"gptq"|"quest", "bits": B, "granularity": "row"|"tensor"|"group:G",
/// "symmetric": bool, "grid": "absmax"|"gptq", "weight": [[...]]}`, plus for GPTQ `calib`
/// (rows are input samples), `percdamp`, `blocksize`, `groupsize`, `act_order`, and for QuEST
/// `hadamard_block` and `domain` ("hadamard" | "original"). Output: the dequantized matrix.
public struct QuantReplay: Sendable, Decodable {
    public let method: String
    public let bits: Int
    public let granularity: String?
    public let symmetric: Bool?
    public let grid: String?
    public let weight: [[Double]]
    public let calib: [[Double]]?
    public let percdamp: Double?
    public let blocksize: Int?
    public let groupsize: Int?
    public let actOrder: Bool?
    public let hadamardBlock: Int?
    public let domain: String?

    enum CodingKeys: String, CodingKey {
        case method, bits, granularity, symmetric, grid, weight, calib, percdamp, blocksize, groupsize, domain
        case actOrder = "act_order", hadamardBlock = "hadamard_block"
    }

    /// Parses a replay file; malformed JSON is `badInput`.
    public static func load(path: String) throws -> QuantReplay {
        let data = try TextFile.read(path, limit: 1 << 28, what: "replay file")
        do {
            return try JSONDecoder().decode(QuantReplay.self, from: data)
        } catch {
            throw QScopeError.badInput("\(path) is not a valid quantizer replay file: \(error)")
        }
    }

    private func symmetricGrid(default value: SymmetricGrid) throws -> SymmetricGrid {
        guard let name = grid else { return value }
        guard let parsed = SymmetricGrid(rawValue: name) else {
            throw QScopeError.badInput("grid must be absmax or gptq (got '\(name)')")
        }
        return parsed
    }

    /// The dequantized matrix, as rows.
    public func run() throws -> [[Double]] {
        let rows = weight.count, cols = weight.first?.count ?? 0
        guard rows > 0, cols > 0, weight.allSatisfy({ $0.count == cols }) else {
            throw QScopeError.badInput("weight must be a non-empty matrix with rows of equal length")
        }
        let w = weight.flatMap { $0.map(Float.init) }
        var out = [Float](repeating: 0, count: w.count)
        switch method {
        case "rtn":
            let q = try RoundToNearest(bits: bits, granularity: try QuantGranularity(parsing: granularity ?? "row"),
                                       symmetric: symmetric ?? true, grid: try symmetricGrid(default: .absmax))
            w.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { q.apply(src.baseAddress!, into: $0.baseAddress!, rows: rows, cols: cols) }
            }
        case "gptq":
            guard let calib, !calib.isEmpty, calib.allSatisfy({ $0.count == cols }) else {
                throw QScopeError.badInput("gptq needs \"calib\": input samples as rows of \(cols) values")
            }
            var groupSize = groupsize.flatMap { $0 > 0 ? $0 : nil }
            if case .group(let g)? = try granularity.map(QuantGranularity.init(parsing:)) { groupSize = g }
            let q = try GPTQ(bits: bits, symmetric: symmetric ?? true, grid: try symmetricGrid(default: .gptq),
                             groupSize: groupSize, actOrder: actOrder ?? false, percdamp: Float(percdamp ?? 0.01),
                             blockSize: blocksize ?? 128)
            try q.quantize(weight: w, rows: rows, columns: cols, calibration: calib.flatMap { $0.map(Float.init) },
                           samples: calib.count, into: &out)
        case "quest":
            let domainName = domain ?? "hadamard"
            guard let questDomain = QuESTDomain(rawValue: domainName) else {
                throw QScopeError.badInput("domain must be hadamard or original (got '\(domainName)')")
            }
            let q = try QuEST(bits: bits, hadamardBlock: hadamardBlock)
            var mask = [Float](repeating: 0, count: w.count)
            try w.withUnsafeBufferPointer { src in
                try out.withUnsafeMutableBufferPointer { dst in
                    try mask.withUnsafeMutableBufferPointer {
                        try q.forward(src.baseAddress!, into: dst.baseAddress!, mask: $0.baseAddress!, rows: rows,
                                      cols: cols, domain: questDomain)
                    }
                }
            }
        default:
            throw QScopeError.badInput("unknown method '\(method)'; choose rtn, gptq or quest")
        }
        return (0..<rows).map { r in (0..<cols).map { Double(out[r * cols + $0]) } }
    }
}
