import Foundation
import Testing

/// `qscope quant-replay` through the real binary: the golden GPTQ and QuEST cases (made by
/// scripts/golden from float64 oracles of the references), a hand-made RTN case, and bad input.
@Suite("Quantizer replay end to end")
struct QuantReplayEndToEndTests {
    static let golden = QScopeBinary.packageRoot.appendingPathComponent("Tests/CoreTests/Golden")

    func replay(_ input: [String: Any]) throws -> [Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-quant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("case.json")
        try JSONSerialization.data(withJSONObject: input).write(to: file)
        let result = try QScopeBinary.run(["quant-replay", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try #require(out["dequantized"] as? [[Double]]).flatMap { $0 }
    }

    static func rows(_ flat: [Double], _ cols: Int) -> [[Double]] {
        stride(from: 0, to: flat.count, by: cols).map { Array(flat[$0..<($0 + cols)]) }
    }

    static func cases(_ file: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: golden.appendingPathComponent(file))
        return try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["cases"] as? [[String: Any]])
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func rtnHandMade() throws {
        // 4-bit absmax per row: scale 0.2 and 0.1; 0.3/0.2 = 1.5 rounds to even.
        let y = try replay(["method": "rtn", "bits": 4, "granularity": "row", "symmetric": true, "grid": "absmax",
                            "weight": [[1.4, 0.3, -0.5], [0.7, 0.05, 0.1]]])
        let expected = [1.4, 0.4, -0.4, 0.7, 0.0, 0.1]
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(y)")
    }

    /// GPTQ in Float32 against float64: a code flip would move a value by a grid step (> 1e-2),
    /// rounding alone by ~1e-6.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func gptqGoldens() throws {
        for c in try Self.cases("gptq.json") {
            let cols = try #require(c["in"] as? Int)
            var input: [String: Any] = [
                "method": "gptq", "bits": c["bits"]!, "symmetric": c["symmetric"]!, "grid": c["grid"]!,
                "weight": Self.rows(try #require(c["weight"] as? [Double]), cols),
                "calib": Self.rows(try #require(c["calibration"] as? [Double]), cols),
                "percdamp": c["percdamp"]!, "blocksize": c["blockSize"]!, "act_order": c["actOrder"]!,
            ]
            if let g = c["groupSize"] as? Int { input["groupsize"] = g }
            let ours = try replay(input), expected = try #require(c["dequantized"] as? [Double])
            let worst = zip(ours, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(ours.count == expected.count && worst < 2e-5, "\(c["name"] ?? "?"): \(worst)")
        }
    }

    /// QuEST in Float32 against float64, both domains; tolerance relative to each row's largest
    /// value (one grid step is at least 1/255 of it at 8 bits).
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func questGoldens() throws {
        for c in try Self.cases("quest.json") where c["bf16"] as? Bool != true {
            let cols = try #require(c["cols"] as? Int)
            let x = Self.rows(try #require(c["x"] as? [Double]), cols)
            for domain in ["hadamard", "original"] {
                let ours = try replay(["method": "quest", "bits": c["bits"]!, "hadamard_block": c["block"]!,
                                       "domain": domain, "weight": x])
                let expected = try #require(c["y_\(domain)"] as? [Double])
                for (r, (a, b)) in zip(Self.rows(ours, cols), Self.rows(expected, cols)).enumerated() {
                    let scale = max(b.map(abs).max() ?? 1, 1e-12)
                    let worst = zip(a, b).map { abs($0 - $1) }.max()! / scale
                    #expect(worst < 2e-5, "\(c["name"] ?? "?") \(domain) row \(r): \(worst)")
                }
            }
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func badInputExitsTwo() throws {
        let cases = [
            #"{"method": "awq", "bits": 4, "weight": [[1]]}"#: "unknown method",
            #"{"method": "rtn", "bits": 12, "weight": [[1]]}"#: "bits",
            #"{"method": "rtn", "bits": 4, "granularity": "group:0", "weight": [[1]]}"#: "granularity",
            #"{"method": "rtn", "bits": 4, "grid": "nf4", "weight": [[1]]}"#: "grid",
            #"{"method": "gptq", "bits": 4, "weight": [[1, 2]]}"#: "calib",
            #"{"method": "quest", "bits": 4, "domain": "fourier", "weight": [[1, 2]]}"#: "domain",
            #"{"method": "rtn", "bits": 4, "weight": [[1, 2], [3]]}"#: "equal length",
        ]
        for (input, problem) in try QScopeBinary.badInputFailures("quant-replay", cases) {
            Issue.record("\(input): \(problem)")
        }
    }
}
