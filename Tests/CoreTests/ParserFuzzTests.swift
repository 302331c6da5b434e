import Foundation
import FuzzSupport
import Testing
@testable import Core

/// Thousands of seeded mutations of what qscope parses in process: checkpoint headers, metrics
/// log lines and replay cases. A trap would kill the test run; every error must be one line.
@Suite("Parser fuzz")
struct ParserFuzzTests {
    static func oneLine(_ error: Error) -> Bool { !"\(error)".contains("\n") }

    @Test func checkpointHeaders() throws {
        let dir = try HardeningTests.scratch()
        let path = dir + "/seed.safetensors"
        _ = try TrainingTests.losses(TrainingTests.config(steps: 1), save: path)
        let seed = try Data(contentsOf: URL(fileURLWithPath: path))
        // Mutate the header (where the structure is), keeping the payload.
        let headerEnd = 8 + Int(seed.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        var rng = RNG(seed: 1)
        var read = 0, refused = 0
        for _ in 0..<1500 {
            var mutated = seed.prefix(8) + Fuzz.mutate(seed.subdata(in: 8..<headerEnd), using: &rng) + seed.suffix(from: headerEnd)
            if rng.nextInt(below: 4) == 0 {
                // Sometimes the length prefix too.
                mutated.replaceSubrange(0..<8, with: Fuzz.mutate(mutated.prefix(8), using: &rng).prefix(8).padded(to: 8))
            }
            let file = dir + "/m.safetensors"
            try mutated.write(to: URL(fileURLWithPath: file))
            do {
                let stored = try StoredRun(path: file)
                try stored.spec.validate()
                read += 1
            } catch {
                #expect(Self.oneLine(error), "\(error)")
                refused += 1
            }
        }
        print("checkpoint fuzz: 1500 cases, \(read) read, \(refused) refused")
    }

    @Test func metricsLogLines() {
        let seeds = [MetricsLogTests.header, MetricsLogTests.initial, MetricsLogTests.record(3, loss: 4.5, val: 4),
                     MetricsLogTests.final, #"{"state_bytes":493536}"#]
        var rng = RNG(seed: 2)
        var run = MetricsLogRun(id: 0, fileName: "f.metrics.jsonl")
        for index in 0..<2000 {
            let line = Fuzz.mutate(Data(seeds[index % seeds.count].utf8), using: &rng)
            _ = MetricsLogLine(json: Substring(String(decoding: line, as: UTF8.self)))
            run.consume(line + Data("\n".utf8))
        }
        print("metrics log fuzz: 2000 lines, \(run.malformedLines) malformed, step \(run.snapshot.step)")
    }

    @Test func replayCases() throws {
        let optim = Data(#"{"optimizer": "psgd", "hyper": {"lr": 0.1, "precond_update_steps": [1, 2]}, "param": [[1, 2], [3, 4]], "grads": [[[0.5, -1], [2, 0]]]}"#.utf8)
        let quant = Data(#"{"method": "gptq", "bits": 4, "weight": [[1, -2, 3.5], [0.25, 8, -1]], "hessian": [[2, 0, 0], [0, 2, 0], [0, 0, 2]]}"#.utf8)
        var rng = RNG(seed: 3)
        let dir = try HardeningTests.scratch()
        for index in 0..<1000 {
            let file = dir + "/case.json"
            try Fuzz.mutate(index % 2 == 0 ? optim : quant, using: &rng).write(to: URL(fileURLWithPath: file))
            do {
                if index % 2 == 0 { _ = try OptimizerReplay.load(path: file).run() } else { _ = try QuantReplay.load(path: file).run() }
            } catch {
                #expect(Self.oneLine(error), "\(error)")
            }
        }
    }
}

private extension Data {
    func padded(to count: Int) -> Data { self.count >= count ? self : self + Data(repeating: 0, count: count - self.count) }
}
