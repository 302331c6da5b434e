import Core
import Foundation

/// The study as numbered tasks, one per run to train or measure, for Slurm array jobs.
///
/// Numbers are global and follow the protocol's stages: the sweep's runs first, then one slot
/// per follow-up run (the other seeds and QAT, at the rate the sweep chooses), then one slot per
/// full-precision run to measure. A follow-up's rate, and so its run id, is known only once the
/// sweep has finished: its task finds it then, from the sweep runs' files. The table is a pure
/// function of the spec, so `--emit` and every task agree on it.
public struct StudyTasks: Sendable {
    /// What one task does.
    public enum Work: Sendable, Equatable {
        /// Train this sweep run.
        case sweep(PlannedRun)
        /// Train the follow-up run of this (stage, size, optimizer, seed) at the chosen rate.
        case followUp(stage: StudyStage, size: String, optimizer: OptimizerKind, seed: UInt64)
        /// Measure this full-precision run: a sweep run (the chosen one at the common loss and
        /// at its end, the others at their end) or a seed's run at the chosen rate.
        case measure(stage: StudyStage, size: String, optimizer: OptimizerKind, seed: UInt64, sweepRun: String?)
    }

    /// The stages of the array jobs, in the order they must run.
    public enum Stage: String, CaseIterable, Sendable {
        case sweep
        case followUps = "follow-ups"
        case measure
    }

    public let plan: StudyPlan
    public let work: [Work]

    public init(plan: StudyPlan) {
        self.plan = plan
        let sweep = plan.sweep()
        let expected = plan.expectedRuns.filter { $0.stage != .sweep }
        var work = sweep.map(Work.sweep)
        work += expected.map { .followUp(stage: $0.stage, size: $0.size, optimizer: $0.spec.optimizer, seed: $0.spec.seed) }
        work += sweep.map { .measure(stage: .sweep, size: $0.size, optimizer: $0.spec.optimizer, seed: $0.spec.seed, sweepRun: $0.id) }
        work += expected.filter { $0.stage == .seeds }.map {
            .measure(stage: .seeds, size: $0.size, optimizer: $0.spec.optimizer, seed: $0.spec.seed, sweepRun: nil)
        }
        self.work = work
    }

    /// The stage task `index` belongs to.
    public func stage(of index: Int) -> Stage {
        switch work[index] {
        case .sweep: .sweep
        case .followUp: .followUps
        case .measure: .measure
        }
    }

    /// The task numbers of `stage` (contiguous; empty when the stage has no task).
    public func range(of stage: Stage) -> Range<Int> {
        let indices = work.indices.filter { self.stage(of: $0) == stage }
        return (indices.first ?? 0)..<((indices.last ?? -1) + 1)
    }

    /// The task table as tab-separated text: task, stage, size, optimizer, seed, QAT, learning
    /// rate and run id (`chosen` and `-` where the sweep decides them).
    public var table: String {
        var lines = ["task\tstage\tsize\toptimizer\tseed\tqat\tlr\trun"]
        for (index, item) in work.enumerated() {
            switch item {
            case .sweep(let run):
                lines.append("\(index)\tsweep\t\(run.size)\t\(run.spec.optimizer)\t\(run.spec.seed)\tno\t"
                             + String(format: "%.4g", run.spec.learningRate) + "\t\(run.id)")
            case .followUp(let stage, let size, let optimizer, let seed):
                lines.append("\(index)\t\(stage.rawValue)\t\(size)\t\(optimizer)\t\(seed)\t\(stage == .qat ? "yes" : "no")\tchosen\t-")
            case .measure(let stage, let size, let optimizer, let seed, let sweepRun):
                lines.append("\(index)\tmeasure-\(stage.rawValue)\t\(size)\t\(optimizer)\t\(seed)\tno\t"
                             + (sweepRun == nil ? "chosen\t-" : "sweep\t\(sweepRun!)"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
