import Core
import Foundation
import Synchronization

/// What the dashboard's Study view shows of a study: its progress by stage, an ETA, and the
/// tables and figure data so far.
public struct StudyStatus: Sendable, Equatable {
    public struct Stage: Sendable, Equatable {
        public var name: String
        public var done: Int
        public var total: Int
    }

    public var name: String
    public var stages: [Stage]
    /// Seconds until the study ends at the pace of the last minutes; nil until it can be told.
    public var eta: Double?
    /// Runs training now.
    public var running: [String]
    public var results: StudyResults?

    public var done: Int { stages.reduce(0) { $0 + $1.done } }
    public var total: Int { stages.reduce(0) { $0 + $1.total } }
}

/// Follows a study's store from another process (read-only use), publishing a `StudyStatus`
/// every few seconds on its own thread; the UI reads `status` and redraws when `generation` moves.
public final class StudyMonitor: Sendable {
    private let latest = Mutex<StudyStatus?>(nil)
    private let counter = Atomic<Int>(0)
    private let stopFlag = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts following the store at `path` (which must exist), polling every `interval` seconds.
    public static func start(store path: String, interval: Double = 3) throws -> StudyMonitor {
        let store = try RunStore(path: path)
        let monitor = StudyMonitor()
        let thread = Thread {
            var pace = Pace()
            var next = 0.0
            while !monitor.stopFlag.load(ordering: .relaxed) {
                let now = Date().timeIntervalSinceReferenceDate
                if now >= next {
                    if let status = try? Self.read(store, pace: &pace, now: now) {
                        monitor.latest.withLock { $0 = status }
                        monitor.counter.add(1, ordering: .relaxed)
                    }
                    next = now + interval
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            monitor.done.signal()
        }
        thread.start()
        return monitor
    }

    /// The latest status; nil before the first read.
    public var status: StudyStatus? { latest.withLock { $0 } }

    /// Moves each time a new status is published.
    public var generation: Int { counter.load(ordering: .relaxed) }

    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        done.wait()
    }

    /// Work done (steps × parameters of finished and running runs) over time, for the ETA.
    struct Pace {
        var samples: [(time: Double, work: Double)] = []

        mutating func eta(work: Double, total: Double, now: Double) -> Double? {
            samples.append((now, work))
            samples.removeAll { now - $0.time > 300 }
            guard let first = samples.first, now - first.time > 5, work > first.work else { return nil }
            return (total - work) / ((work - first.work) / (now - first.time))
        }
    }

    static func read(_ store: RunStore, pace: inout Pace, now: Double) throws -> StudyStatus? {
        guard let spec = try store.spec() else { return nil }
        let runs = try store.plannedRuns()
        let plan = StudyPlan(spec: spec, directory: "")
        // Stages not planned yet (before the rates are chosen) count the runs they will have.
        let expected = Dictionary(grouping: plan.expectedRuns, by: \.stage).mapValues(\.count)
        let stages = StudyStage.allCases.map { stage -> StudyStatus.Stage in
            let mine = runs.filter { $0.stage == stage }
            return StudyStatus.Stage(name: stage.rawValue, done: mine.filter(\.isDone).count,
                                     total: mine.isEmpty ? expected[stage] ?? 0 : mine.count)
        }
        let work = runs.reduce(0.0) { $0 + Double(($1.isDone ? $1.steps : $1.step) * $1.parameters) }
        let totalWork = plan.expectedRuns.reduce(0.0) { $0 + Double($1.spec.steps * $1.spec.model.parameterCount) }
        let running = runs.filter { $0.status == RunStatus.running.rawValue }
            .map { "\($0.size) \($0.optimizer)\($0.qat ? " qat" : "") seed \($0.seed)" }
        let results = try StudyResults.load(from: store) ?? (try? StudyResults.compute(from: store, spec: spec))
        return StudyStatus(name: spec.name, stages: stages,
                           eta: pace.eta(work: work, total: max(totalWork, work), now: now), running: running,
                           results: results)
    }
}
