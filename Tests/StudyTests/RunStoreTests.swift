import Core
import Foundation
import Study
import Testing

/// The study's store and plan: deterministic ids, runs kept across plans, choices made the
/// paper's way, everything read back as written.
@Suite("Run store and plan")
struct RunStoreTests {
    static var spec: StudySpec {
        var spec = StudyPreset.smoke.spec
        spec.seeds = [1, 2, 3]
        return spec
    }

    static func scratch() -> String {
        NSTemporaryDirectory() + "qscope-store-\(UUID().uuidString)/study.sqlite"
    }

    @Test func planExpandsTheProtocol() throws {
        let plan = StudyPlan(spec: Self.spec, directory: "a")
        let sweep = plan.sweep()
        #expect(sweep.count == 2 * 3 * 2 && Set(sweep.map(\.id)).count == sweep.count)
        #expect(sweep.allSatisfy { $0.spec.seed == 1 && $0.spec.qat == nil && $0.spec.snapshotEvals })
        // Ids name what is computed, not where it is saved.
        #expect(StudyPlan(spec: Self.spec, directory: "elsewhere").sweep().map(\.id) == sweep.map(\.id))
        let rates = sweep.first!.spec.optimizer == .adamw ? [Float(5e-3), 2e-2] : []
        #expect(sweep.prefix(2).map(\.spec.learningRate) == rates)
        let choices = [RateChoice(size: "w12l1", optimizer: .adamw, learningRate: 2e-2, valLoss: 2.9, note: nil),
                       RateChoice(size: "w12l1", optimizer: .muon, learningRate: nil, valLoss: nil, note: "every rate diverged")]
        let followUps = plan.followUps(chosen: choices)
        #expect(followUps.filter { $0.stage == .seeds }.map(\.spec.seed) == [2, 3])
        #expect(followUps.filter { $0.stage == .qat }.map(\.spec.seed) == [1, 2, 3])
        #expect(followUps.allSatisfy { $0.spec.optimizer == .adamw && $0.spec.learningRate == 2e-2 })
        #expect(plan.steps(for: ModelConfig(name: "x", width: 12, layers: 1)) == Int((2.0 * 4650 / 128).rounded(.up)))
    }

    @Test func rateChoiceTakesTheLowestLossAndNotesTiesAndDivergence() throws {
        let store = try RunStore(path: Self.scratch())
        let plan = StudyPlan(spec: Self.spec, directory: "a")
        let runs = Array(plan.sweep().prefix(2))
        try store.setPlan(spec: Self.spec, runs: runs)
        try store.finish(runs[0].id, RunEnd(status: .finished, step: 10, message: nil).with(valLoss: 2.5))
        try store.finish(runs[1].id, RunEnd(status: .diverged, step: 3, message: "diverged"))
        let stored = try store.plannedRuns()
        let choice = RateChoice.choose(size: runs[0].size, optimizer: .adamw, sweep: stored)
        #expect(choice.learningRate == runs[0].spec.learningRate && choice.valLoss == 2.5)
        #expect(choice.note?.contains("diverged at lr 2.00e-02") == true)
        try store.finish(runs[1].id, RunEnd(status: .finished, step: 10, message: nil).with(valLoss: 2.5))
        let tie = RateChoice.choose(size: runs[0].size, optimizer: .adamw, sweep: try store.plannedRuns())
        #expect(tie.learningRate == 5e-3 && tie.note?.contains("tied") == true)
        try store.finish(runs[0].id, RunEnd(status: .diverged, step: 1, message: nil))
        try store.finish(runs[1].id, RunEnd(status: .diverged, step: 1, message: nil))
        #expect(RateChoice.choose(size: runs[0].size, optimizer: .adamw, sweep: try store.plannedRuns()).learningRate == nil)
    }

    @Test func storeKeepsRunsAcrossPlansAndReopens() throws {
        let path = Self.scratch()
        let plan = StudyPlan(spec: Self.spec, directory: "a")
        let runs = plan.sweep()
        do {
            let store = try RunStore(path: path)
            try store.setPlan(spec: Self.spec, runs: runs)
            try store.markStarted(runs[0].id)
            for step in [0, 5, 10] {
                try store.record(runs[0].id, TrainLog(step: step, tokens: step * 10, loss: step == 0 ? nil : 3,
                                                       valLoss: step % 5 == 0 ? 4 - Double(step) / 10 : nil,
                                                       learningRate: 0.01, gradNorm: 1, tokensPerSecond: 1, elapsed: 1))
            }
            try store.record(runs[0].id, TrainLog(step: 10, tokens: 100, loss: 3, valLoss: 3, learningRate: 0.01,
                                                   gradNorm: 1, tokensPerSecond: 1, elapsed: 1))
            try store.finish(runs[0].id, RunEnd(status: .finished, step: 10, message: nil).with(valLoss: 3))
            try store.putResult(["x": 1.5], key: "k")
        }
        let store = try RunStore(path: path)
        #expect(try store.spec() == Self.spec)
        #expect(try store.evaluations(runs[0].id).map(\.loss) == [4, 3.5, 3])  // step 10 replaced, not doubled
        #expect(try store.result([String: Double].self, key: "k") == ["x": 1.5])
        // A changed plan keeps the runs it shares, with what they had.
        try store.setPlan(spec: Self.spec, runs: Array(runs.prefix(3)))
        let kept = try store.plannedRuns()
        #expect(kept.count == 3 && kept[0].isFinished && kept[0].valLoss == 3 && kept[1].status == "pending")
    }
}

extension RunEnd {
    func with(valLoss: Double) -> RunEnd {
        var end = self
        end.valLoss = valLoss
        return end
    }
}
