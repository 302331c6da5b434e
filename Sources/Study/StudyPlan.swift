import Core
import Foundation

/// The stages of the paper's protocol (docs/analysis.md §10), in order.
public enum StudyStage: String, Sendable, Codable, CaseIterable {
    /// The learning-rate sweep on the first seed, full precision.
    case sweep
    /// The other seeds at each (size, optimizer)'s chosen rate, full precision.
    case seeds
    /// QAT from scratch at the chosen rate, every seed.
    case qat
}

/// One run the study trains: its spec (whose id names it) and where it sits in the protocol.
public struct PlannedRun: Sendable, Equatable {
    public let stage: StudyStage
    /// The size's model name.
    public let size: String
    public let spec: RunSpec

    public var id: String { spec.id }
}

/// The runs a `StudySpec` asks for, stage by stage, saved under `directory/runs/<id>/`.
public struct StudyPlan: Sendable {
    public let spec: StudySpec
    public let directory: String

    public init(spec: StudySpec, directory: String) {
        self.spec = spec
        self.directory = directory
    }

    /// Where run `id` keeps its checkpoint (its metrics log and snapshots sit beside it).
    public func checkpoint(of id: String) -> String {
        (directory as NSString).appendingPathComponent("runs/\(id)/run.safetensors")
    }

    /// Optimizer steps for `model` at the study's tokens per parameter (at least 10).
    public func steps(for model: ModelConfig) -> Int {
        let tokens = spec.tokensPerParameter * Double(model.parameterCount)
        return Swift.max(10, Int((tokens / Double(spec.batch * spec.seq)).rounded(.up)))
    }

    /// The run of `optimizer` on `model` at `learningRate` with `seed` (and QAT when given).
    public func run(_ stage: StudyStage, model: ModelConfig, optimizer: OptimizerKind, learningRate: Float,
                    seed: UInt64, qat: QATConfig?) -> PlannedRun {
        var run = RunSpec(model: model, optimizer: optimizer)
        run.learningRate = learningRate
        run.seed = seed
        run.hyper = optimizer.hyper(Hyper(), runSeed: seed)
        (run.batch, run.seq, run.corpus, run.threads) = (spec.batch, spec.seq, spec.corpus, spec.threads)
        run.steps = steps(for: model)
        run.evalEvery = Swift.max(1, run.steps / spec.evalPoints)
        run.evalBatches = spec.evalBatches
        run.logEvery = Swift.max(1, run.steps / 50)
        run.statsEvery = 0
        run.qat = qat
        run.snapshotEvals = true
        run.precision = spec.precision
        run.save = checkpoint(of: run.id)
        return PlannedRun(stage: stage, size: model.name, spec: run)
    }

    /// Stage 1: every (size, optimizer, rate) of the grid on the first seed.
    public func sweep() -> [PlannedRun] {
        spec.sizes.flatMap { size in
            let model = size.model()
            return spec.optimizers.flatMap { optimizer in
                spec.lr.rates(for: optimizer).map {
                    run(.sweep, model: model, optimizer: optimizer, learningRate: $0, seed: spec.seeds[0], qat: nil)
                }
            }
        }
    }

    /// Stages 2 and 3 for the rates chosen from the sweep: the other seeds in full precision,
    /// then QAT for every seed. A (size, optimizer) without a choice (every rate diverged) gets none.
    public func followUps(chosen: [RateChoice]) -> [PlannedRun] {
        let models = Dictionary(uniqueKeysWithValues: spec.sizes.map { ($0.model().name, $0.model()) })
        var runs: [PlannedRun] = []
        for choice in chosen {
            guard let model = models[choice.size], let rate = choice.learningRate else { continue }
            for seed in spec.seeds.dropFirst() {
                runs.append(run(.seeds, model: model, optimizer: choice.optimizer, learningRate: rate, seed: seed, qat: nil))
            }
        }
        guard let qat = spec.qat.config else { return runs }
        for choice in chosen {
            guard let model = models[choice.size], let rate = choice.learningRate else { continue }
            for seed in spec.seeds {
                runs.append(run(.qat, model: model, optimizer: choice.optimizer, learningRate: rate, seed: seed, qat: qat))
            }
        }
        return runs
    }
}

/// The learning rate chosen for one (size, optimizer) from its sweep: the lowest final
/// validation loss among runs that finished (ties to the smaller rate); nil when all diverged.
public struct RateChoice: Sendable, Equatable, Codable {
    public var size: String
    public var optimizer: OptimizerKind
    public var learningRate: Float?
    public var valLoss: Double?
    /// Diverged or failed rates, and ties, as the report states them.
    public var note: String?

    public init(size: String, optimizer: OptimizerKind, learningRate: Float?, valLoss: Double?, note: String?) {
        self.size = size
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.valLoss = valLoss
        self.note = note
    }

    /// The choice from the sweep runs of one (size, optimizer).
    public static func choose(size: String, optimizer: OptimizerKind, sweep: [StoredStudyRun]) -> RateChoice {
        let finished = sweep.filter { $0.isFinished && ($0.valLoss?.isFinite ?? false) }
        let failed = sweep.filter { !$0.isFinished }.map { String(format: "%.2e", $0.learningRate) }
        var notes = failed.isEmpty ? [] : ["diverged at lr \(failed.joined(separator: ", "))"]
        guard let best = finished.min(by: { ($0.valLoss!, $0.learningRate) < ($1.valLoss!, $1.learningRate) }) else {
            return RateChoice(size: size, optimizer: optimizer, learningRate: nil, valLoss: nil,
                              note: "every rate diverged; left out")
        }
        let ties = finished.filter { $0.id != best.id && $0.valLoss == best.valLoss }
        if !ties.isEmpty { notes.append("tied with lr \(ties.map { String(format: "%.2e", $0.learningRate) }.joined(separator: ", ")); the smaller rate kept") }
        if best.learningRate == sweep.map(\.learningRate).max() || best.learningRate == sweep.map(\.learningRate).min(),
           sweep.count > 2 {
            notes.append("best at the edge of the grid")
        }
        return RateChoice(size: size, optimizer: optimizer, learningRate: Float(best.learningRate), valLoss: best.valLoss,
                          note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }
}
