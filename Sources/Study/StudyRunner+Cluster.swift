import Analysis
import Core
import Foundation

/// How one cluster task ended.
public enum StudyTaskOutcome: Sendable, Equatable {
    /// The run is trained or measured (now, or by an earlier attempt).
    case done(String)
    /// Nothing to do: the sweep left this (size, optimizer) without a rate.
    case skipped(String)
    /// A signal stopped it; its checkpoint is saved and a requeued task resumes it.
    case interrupted(String)
}

extension StudyRunner {
    /// Cluster mode (docs/analysis.md §11): performs task `index` of `StudyTasks`, reading what
    /// earlier stages decided from the runs' files in the study's directory and writing only
    /// this run's files. The runner's store is private to the task (a temporary file on local
    /// disk); nothing is written to the study's own store.
    public func runTask(_ index: Int) throws -> StudyTaskOutcome {
        let tasks = StudyTasks(plan: plan)
        guard tasks.work.indices.contains(index) else {
            throw QScopeError.badInput("--task \(index) is not a task of study \(plan.spec.name) (0–\(tasks.work.count - 1))")
        }
        let sweep = plan.sweep()
        if case .sweep(let run) = tasks.work[index] { return try trainTask(run, planned: sweep) }
        let followUps = try importDecidedStages(sweep: sweep)
        switch tasks.work[index] {
        case .sweep: preconditionFailure("handled above")
        case .followUp(let stage, let size, let optimizer, let seed):
            guard let run = followUps.first(where: { $0.matches(stage, size, optimizer, seed) }) else {
                return .skipped("every rate of \(optimizer) on \(size) diverged in the sweep: no \(stage.rawValue) run")
            }
            return try trainTask(run, planned: sweep + followUps)
        case .measure(let stage, let size, let optimizer, let seed, let sweepRun):
            let id = sweepRun ?? followUps.first { $0.matches(stage, size, optimizer, seed) }?.id
            guard let id else { return .skipped("no \(stage.rawValue) run of \(optimizer) on \(size) to measure") }
            return try measureTask(id, followUps: followUps)
        }
    }

    /// Trains one run (resuming its checkpoint) unless its files say it is done.
    private func trainTask(_ run: PlannedRun, planned: [PlannedRun]) throws -> StudyTaskOutcome {
        if StudyRunFiles.isDone(run.id, in: plan) { return .done("run \(run.id) was already done") }
        try store.setPlan(spec: plan.spec, runs: planned)
        let finished = try train([run], stage: run.stage)
        return finished ? .done("trained run \(run.id)") : .interrupted("run \(run.id) stopped; its checkpoint resumes it")
    }

    /// Imports the sweep's files, chooses the rates as a local study would, and imports the
    /// follow-ups' files; returns the follow-up runs. Throws when the sweep is not finished.
    private func importDecidedStages(sweep: [PlannedRun]) throws -> [PlannedRun] {
        switch try importFiles(sweep: sweep) {
        case .success(let followUps): return followUps
        case .failure(let unfinished):
            throw QScopeError.runtime("\(unfinished.runs.count) sweep runs are not done yet: run the sweep's tasks first")
        }
    }

    /// The sweep runs whose files say they are not done.
    private struct UnfinishedSweep: Error { let runs: [StoredStudyRun] }

    /// Imports the sweep's files into the store and, once the sweep is done, chooses the rates
    /// and imports the follow-ups' files: the follow-up runs, or the unfinished sweep runs.
    private func importFiles(sweep: [PlannedRun]) throws -> Result<[PlannedRun], UnfinishedSweep> {
        try store.setPlan(spec: plan.spec, runs: sweep)
        for run in sweep { try StudyRunFiles.importRun(run.id, plan: plan, into: store) }
        let unfinished = try store.plannedRuns().filter { !$0.isDone }
        guard unfinished.isEmpty else { return .failure(UnfinishedSweep(runs: unfinished)) }
        let followUps = plan.followUps(chosen: try chooseRates())
        try store.setPlan(spec: plan.spec, runs: sweep + followUps)
        for run in followUps { try StudyRunFiles.importRun(run.id, plan: plan, into: store) }
        return .success(followUps)
    }

    /// Measures one run at each of its points and writes the measurement files.
    private func measureTask(_ id: String, followUps: [PlannedRun]) throws -> StudyTaskOutcome {
        let pending = try store.plannedRuns().filter { !$0.isDone && $0.stage != .qat }
        guard pending.isEmpty else {
            throw QScopeError.runtime("\(pending.count) full-precision runs are not done yet: run the follow-up tasks first")
        }
        let measurements = StudyMeasurements(plan: plan, store: store, corpus: corpus, onEvent: onEvent, interrupted: interrupted)
        let jobs = try measurements.jobs().filter { $0.run.id == id }
        guard try measurements.measureAll(jobs) else { return .interrupted("measuring run \(id) was interrupted") }
        for job in jobs { try measurements.writeFile(job) }
        return .done("measured run \(id) at \(jobs.map(\.point.rawValue).joined(separator: ", "))")
    }

    /// Gathers every run's files into this runner's store (the study's own) and, when nothing is
    /// missing, computes the results. Returns what is missing (empty when complete).
    public func collect() throws -> [String] {
        if case .failure(let unfinished) = try importFiles(sweep: plan.sweep()) {
            return unfinished.runs.map { "sweep run \($0.id) (\($0.optimizer) on \($0.size))" }
        }
        var missing = try store.plannedRuns().filter { !$0.isDone }
            .map { "\($0.stage.rawValue) run \($0.id) (\($0.optimizer) on \($0.size), seed \($0.seed))" }
        guard missing.isEmpty else { return missing }
        let measurements = StudyMeasurements(plan: plan, store: store, corpus: corpus, onEvent: onEvent, interrupted: interrupted)
        for job in try measurements.jobs() where try !measurements.isTaken(job) {
            missing.append("measurement of run \(job.run.id) at \(job.point.rawValue) (step \(job.step))")
        }
        guard missing.isEmpty else { return missing }
        try StudyResults.compute(from: store, spec: plan.spec).save(in: store)
        return []
    }
}

extension PlannedRun {
    func matches(_ stage: StudyStage, _ size: String, _ optimizer: OptimizerKind, _ seed: UInt64) -> Bool {
        self.stage == stage && self.size == size && spec.optimizer == optimizer && spec.seed == seed
    }
}
