import Core
import Foundation
import Testing
@testable import TUI

/// The Quantize worker on real weights: plans measured off the calling thread on a private
/// copy, keys coalesced to the newest plan, weights fetched from a run that keeps training,
/// and allocation at a budget.
@Suite("Quantize worker", .serialized)
struct QuantizeWorkerTests {
    static let corpus: Corpus = {
        let words = ["and", "the", "lord", "spake", "unto", "moses", "saying", "of", "israel", "children"]
        var rng = RNG(seed: 9)
        var text = ""
        while text.utf8.count < 60_000 { text += words[rng.nextInt(below: words.count)] + " " }
        return try! Corpus(name: "synthetic", text: Array(text.utf8))
    }()

    static func spec(steps: Int) -> RunSpec {
        var spec = RunSpec(model: try! ModelConfig.named("tiny"))
        spec.batch = 4
        spec.seq = 32
        spec.steps = steps
        spec.learningRate = 1e-2
        spec.evalEvery = 0
        spec.statsEvery = 0
        spec.threads = 1
        return spec
    }

    /// A finished 40-step run whose control kept its final weights.
    static let finished: RunControl = {
        let control = RunControl()
        control.weights.keepFinal = true
        let trainer = try! Trainer(spec: spec(steps: 40), corpus: corpus, runID: 0, board: RunBoard(), control: control)
        trainer.run()
        return control
    }()

    static func uniform(_ method: QuantMethod, bits: Int) -> ResolvedQuantization {
        .uniform(try! .uniform(method, bits: bits), config: try! ModelConfig.named("tiny"))
    }

    /// Polls `worker` until `done` holds for its status (or `seconds` pass).
    static func wait(_ worker: QuantizeWorker, seconds: Double = 120,
                     until done: (QuantizeStatus) -> Bool) throws -> QuantizeStatus {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let status = worker.status
            if done(status) { return status }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw QScopeError.runtime("the worker did not finish in \(seconds) s: \(worker.status)")
    }

    @Test func finalWeightsOutliveTheTrainerAndKeysCoalesce() throws {
        let weights = try #require(Self.finished.weights.latest)
        #expect(weights.step == 40)
        let worker = QuantizeWorker()
        defer { worker.stop() }
        let plans = [Self.uniform(.rtn, bits: 4), Self.uniform(.rtn, bits: 3), Self.uniform(.rtn, bits: 2)]
        for plan in plans {
            worker.submit(QuantizeJob(runID: 0, task: .evaluate(plan), weights: Self.finished.weights, runEnded: true,
                                      refresh: 0))
        }
        let status = try Self.wait(worker) { $0.busy == nil && $0.measurements[0]?.plan == plans[2] }
        let measured = try #require(status.measurements[0])
        // The first job may have started before the others came in; the middle one never runs.
        #expect(measured.serial <= 2)
        #expect(measured.weightsStep == 40)
        #expect(measured.footprint.averageWeightBits == 2)
        #expect(measured.fullPrecisionLoss.isFinite && measured.quantizedLoss > measured.fullPrecisionLoss)
        #expect(measured.propagation.outputKL != nil && measured.propagation.finalHiddenError != nil)
        #expect(measured.latencyMs >= measured.evaluationMs)
        #expect(Self.finished.weights.latest?.version == weights.version)
    }

    @Test func allocationMeetsTheBudget() throws {
        let worker = QuantizeWorker()
        defer { worker.stop() }
        worker.submit(QuantizeJob(runID: 0, task: .allocate(bits: 3, method: .rtn), weights: Self.finished.weights,
                                  runEnded: true, refresh: 0))
        let status = try Self.wait(worker) { $0.busy == nil && $0.measurements[0] != nil }
        let measured = try #require(status.measurements[0])
        #expect(measured.allocatedBits == 3)
        #expect(measured.footprint.averageWeightBits <= 3)
        #expect(Set(measured.plan.layers.values.map(\.weightBits)).isSubset(of: QuantizeState.menu))
    }

    @Test func weightsComeFromARunThatKeepsTraining() throws {
        let board = RunBoard()
        let session = try RunSession.start(id: 7, spec: Self.spec(steps: 1_000_000), corpus: Self.corpus, board: board)
        defer {
            session.requestStop()
            session.wait()
        }
        let worker = QuantizeWorker()
        defer { worker.stop() }
        worker.submit(QuantizeJob(runID: 7, task: .evaluate(Self.uniform(.rtn, bits: 4)), weights: session.control.weights,
                                  runEnded: false, refresh: 0))
        let status = try Self.wait(worker) { $0.busy == nil && ($0.measurements[7] != nil || $0.failures[7] != nil) }
        #expect(status.failures[7] == nil)
        let measured = try #require(status.measurements[7])
        let later = try Self.wait(worker, seconds: 60) { _ in (board.snapshot(id: 7)?.step ?? 0) > measured.weightsStep }
        #expect(later.busy == nil)
        // A run of another process has no weights here: the page says so.
        worker.submit(QuantizeJob(runID: 8, task: .evaluate(Self.uniform(.rtn, bits: 4)), weights: nil, runEnded: false,
                                  refresh: 0))
        let failed = try Self.wait(worker) { $0.failures[8] != nil }
        #expect(failed.failures[8]?.contains("another process") == true)
    }
}
