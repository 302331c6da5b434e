import Core
import Foundation

/// The golden optimizer runs under Golden/optim (scripts/golden/optim_golden.py), replayed
/// through `OptimizerReplay` exactly as `qscope optim-replay` does.
struct OptimizerGolden: Decodable {
    let optimizer: OptimizerKind
    let hyper: Hyper
    let param: [[Double]]
    let grads: [[[Double]]]
    let params: [[[Double]]]
    let notes: String?

    /// Every golden file whose name starts with `prefix` (e.g. "muon_").
    static func all(prefix: String) throws -> [(name: String, golden: OptimizerGolden)] {
        let dir = try require(Bundle.module.url(forResource: "Golden/optim", withExtension: nil), "Golden/optim missing")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(prefix) }.sorted()
            .map { ($0, try JSONDecoder().decode(OptimizerGolden.self, from: Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    /// Replays every golden run whose file starts with `prefix`, printing each step's error:
    /// (file, per-step errors) in file order.
    static func replayAll(prefix: String) throws -> [(name: String, errors: [Double])] {
        try all(prefix: prefix).map { name, golden in
            let errors = try golden.replayErrors()
            print("\(name): max relative error per step \(errors.map { String(format: "%.1e", $0) })")
            return (name, errors)
        }
    }

    /// Replays the run and returns, per step, the largest |ours − reference| relative to the
    /// largest |reference| entry (so O(1) and O(1e-3) parameters are judged alike).
    func replayErrors() throws -> [Double] {
        let ours = try OptimizerReplay(optimizer: optimizer, hyper: hyper, param: param, grads: grads).run()
        return zip(ours, params).map { mine, ref in
            let a = mine.joined(), b = ref.joined()
            let scale = max(b.map(abs).max() ?? 1, 1e-12)
            return zip(a, b).map { abs($0 - $1) }.max()! / scale
        }
    }
}

private func require<T>(_ value: T?, _ message: @autoclosure () -> String = "missing") throws -> T {
    guard let value else { throw QScopeError.runtime(message()) }
    return value
}
