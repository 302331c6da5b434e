import Analysis
import Core
import Foundation
import Synchronization

/// What a running study tells its caller, for a progress bar or JSON lines.
public enum StudyEvent: Sendable {
    /// A stage begins: how many runs it has and how many are already done (skipped).
    case stage(StudyStage, runs: Int, done: Int)
    /// Training progress of the current stage: steps done of all its steps.
    case progress(done: Int, total: Int)
    /// A run ended (or was found finished).
    case run(StoredStudyRun)
    /// The measurements begin: runs to measure.
    case measuring(runs: Int)
    case measured(done: Int, total: Int)
}

/// Runs a study to the end, resuming whatever its store says is unfinished: the sweep, the rate
/// choice, the other seeds and QAT, the common loss, the measurements and the fits. Every result
/// goes into the store as it is made, so a killed study restarted with the same spec (or a
/// changed one) redoes only what is missing.
public final class StudyRunner {
    public let plan: StudyPlan
    public let store: RunStore
    let corpus: Corpus
    /// Runs trained at once.
    public var parallel: Int
    let onEvent: (StudyEvent) -> Void
    let interrupted: () -> Bool

    public init(plan: StudyPlan, store: RunStore, parallel: Int, interrupted: @escaping () -> Bool = { false },
                onEvent: @escaping (StudyEvent) -> Void = { _ in }) throws {
        try plan.spec.validate()
        self.plan = plan
        self.store = store
        self.parallel = parallel
        self.interrupted = interrupted
        self.onEvent = onEvent
        corpus = try Corpus.named(plan.spec.corpus)
    }

    /// The whole protocol; returns false when interrupted (the store keeps what was done).
    @discardableResult
    public func run() throws -> Bool {
        let sweep = plan.sweep()
        try store.setPlan(spec: plan.spec, runs: sweep + plan.followUps(chosen: try chosenRates()))
        guard try train(sweep, stage: .sweep) else { return false }
        let followUps = plan.followUps(chosen: try chooseRates())
        try store.setPlan(spec: plan.spec, runs: sweep + followUps)
        for stage in [StudyStage.seeds, .qat] {
            guard try train(followUps.filter { $0.stage == stage }, stage: stage) else { return false }
        }
        guard try StudyMeasurements(plan: plan, store: store, corpus: corpus, onEvent: onEvent,
                                    interrupted: interrupted).measureAll() else { return false }
        try StudyResults.compute(from: store, spec: plan.spec).save(in: store)
        return true
    }

    /// The choices already made (so a restarted study plans its follow-ups from the start).
    private func chosenRates() throws -> [RateChoice] {
        try store.result([RateChoice].self, key: "rates") ?? []
    }

    /// Chooses each (size, optimizer)'s rate from its finished sweep and records the choices.
    func chooseRates() throws -> [RateChoice] {
        let runs = try store.plannedRuns().filter { $0.stage == .sweep }
        var choices: [RateChoice] = []
        for size in plan.spec.sizes.map({ $0.model().name }) {
            for optimizer in plan.spec.optimizers {
                let sweep = runs.filter { $0.size == size && $0.optimizer == optimizer }
                choices.append(RateChoice.choose(size: size, optimizer: optimizer, sweep: sweep))
            }
        }
        try store.putResult(choices, key: "rates")
        return choices
    }

    /// Trains the runs of one stage not yet done, `parallel` at a time, each resumed from its
    /// last checkpoint when one exists. False when interrupted.
    func train(_ runs: [PlannedRun], stage: StudyStage) throws -> Bool {
        let stored = Dictionary(uniqueKeysWithValues: try store.plannedRuns().map { ($0.id, $0) })
        let pending = runs.filter { !(stored[$0.id]?.isDone ?? false) }
        onEvent(.stage(stage, runs: runs.count, done: runs.count - pending.count))
        let total = pending.reduce(0) { $0 + $1.spec.steps }
        let progress = StageProgress()
        let board = RunBoard(), store = self.store
        try RunQueue(parallel: parallel).run(count: pending.count, start: { index in
            let run = pending[index], checkpoint = run.spec.paths!.checkpoint
            let resume = FileManager.default.fileExists(atPath: checkpoint) ? try? StoredRun(path: checkpoint) : nil
            try store.markStarted(run.id)
            return try RunSession.start(id: index, spec: resume?.spec ?? run.spec, corpus: corpus, board: board,
                                        resume: resume, onLog: { log in
                progress.set(index, log.step)
                try? store.record(run.id, log)
            })
        }, interrupted: interrupted, ended: { index, session in
            let end = session.end(on: board)
            // A run stopped by an interrupt stays pending: it resumes from its checkpoint next time.
            guard end.status != .stopped else { return }
            try store.finish(pending[index].id, end)
            if let row = try store.plannedRuns().first(where: { $0.id == pending[index].id }) { onEvent(.run(row)) }
        }, tick: { onEvent(.progress(done: progress.total, total: total)) })
        return !interrupted()
    }
}

/// Steps done per run of a stage, fed from trainer threads.
private final class StageProgress: Sendable {
    private let steps = Mutex<[Int: Int]>([:])

    func set(_ run: Int, _ step: Int) { steps.withLock { $0[run] = step } }

    var total: Int { steps.withLock { $0.values.reduce(0, +) } }
}
