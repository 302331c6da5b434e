import Foundation
import Testing

/// The six optimizers through the real binary: `optim-replay` reproduces every golden run, and
/// all six train the tiny model side by side on the default corpus.
@Suite("Optimizers end to end")
struct OptimizerEndToEndTests {
    static let goldenDirectory = QScopeBinary.packageRoot.appendingPathComponent("Tests/CoreTests/Golden/optim")

    /// Largest |ours − reference| allowed, relative to the parameter's largest entry. The
    /// references ran in float64; qscope keeps Float32 state, so the bound is float rounding
    /// amplified by each method's conditioning (the unit tests justify each one in detail).
    static let tolerance: [String: Double] = [
        "adamw": 1e-5, "muon": 1e-4, "scion": 1e-4, "soap": 1e-3, "shampoo": 1e-3, "psgd": 1e-4,
    ]

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func replayReproducesEveryGoldenRun() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.goldenDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(Set(files.map { String($0.prefix { $0 != "_" }) }) == Set(Self.tolerance.keys))
        for file in files {
            let path = Self.goldenDirectory.appendingPathComponent(file).path
            let result = try QScopeBinary.run(["optim-replay", path])
            #expect(result.status == 0, "\(file): \(result.stderr)")
            guard result.status == 0 else { continue }
            let ours = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let golden = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let mine = try #require(ours["params"] as? [[[Double]]]), expected = try #require(golden["params"] as? [[[Double]]])
            #expect(mine.count == expected.count, "\(file): step count")
            let optimizer = try #require(golden["optimizer"] as? String)
            var worst = 0.0
            for (a, b) in zip(mine, expected) {
                let scale = max(b.joined().map(abs).max() ?? 1, 1e-12)
                worst = max(worst, zip(a.joined(), b.joined()).map { abs($0 - $1) }.max()! / scale)
            }
            print("optim-replay \(file): max relative error \(String(format: "%.1e", worst))")
            #expect(worst < Self.tolerance[optimizer, default: 0], "\(file): \(worst)")
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"), .timeLimit(.minutes(10)))
    func allSixTrainTheTinyModelSideBySide() throws {
        let result = try QScopeBinary.run(["train", "--optimizer", "all", "--model", "tiny", "--steps", "500",
                                           "--eval-every", "250", "--log-every", "250", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let finals = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["final"] as? Bool == true }
        #expect(finals.count == 6)
        for run in finals {
            let name = run["optimizer"] as? String ?? "?"
            let val = run["val_loss"] as? Double ?? .infinity
            print("\(name): \(run["status"] ?? "?") val loss \(val)")
            #expect(run["status"] as? String == "finished", "\(name)")
            #expect(val < 2.6, "\(name): val loss \(val)")
        }
    }
}
