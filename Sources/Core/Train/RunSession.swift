import Foundation
import Synchronization

/// Makes a run's probe once its trainer exists, on the trainer's thread; nil: no probe.
/// Implemented above Core (Analysis's `StudyProbe.factory`).
public typealias ProbeFactory = @Sendable (_ spec: RunSpec, _ parameters: Tensor, _ corpus: Corpus) throws
    -> TrainingProbe?

/// One run from start to end: the one owner of a run's lifecycle, for headless training, the
/// dashboard, sweeps and studies alike.
///
/// `start` builds the trainer on its own thread (BLAS single-threaded: a run's parallelism is
/// its data-parallel shards), attaches the probe, and, when the spec names a save path, opens
/// the metrics log beside it (`RunPaths`). The run is then steered through `control` (pause,
/// resume, stop, measure). When it ends it is saved, and its final record goes to its log at
/// once, on its own thread, so a watcher sees each run end as it happens.
public final class RunSession: Sendable {
    public let id: Int
    public let spec: RunSpec
    private let thread: TrainerThread

    private init(id: Int, spec: RunSpec, thread: TrainerThread) {
        self.id = id
        self.spec = spec
        self.thread = thread
    }

    /// Starts run `id` of `spec` (validated) on `corpus`, from `resume` when given (its metrics
    /// log is then extended), publishing to `board`. `onLog` sees every record on the trainer
    /// thread. Returns once the trainer exists; a failure to build it is thrown here.
    public static func start(id: Int, spec: RunSpec, corpus: Corpus, board: RunBoard, control: RunControl = RunControl(),
                             resume: StoredRun? = nil, probe: ProbeFactory? = nil,
                             onLog: @escaping @Sendable (TrainLog) -> Void = { _ in }) throws -> RunSession {
        BLAS.threads = 1
        let paths = spec.paths
        // The log is opened only once the trainer exists, so a run that cannot start (or resume)
        // leaves an existing log as it was.
        let log = Mutex<MetricsLogWriter?>(nil)
        let thread = try TrainerThread.start(control: control, savePath: paths?.checkpoint, onLog: { record in
            log.withLock { $0 }?.append(record)
            onLog(record)
        }, onEnd: { outcome in
            let saved = try? outcome.saved.get()
            log.withLock { $0 }?.append(.end(RunEnd(spec: spec, snapshot: board.snapshot(id: id), saved: saved ?? nil)))
        }, make: {
            let trainer = try Trainer(spec: spec, corpus: corpus, runID: id, board: board, control: control,
                                      resumeFrom: resume)
            trainer.probe = try probe?(spec, trainer.model.parameters, corpus)
            let writer = try paths.map { try MetricsLogWriter(path: $0.metricsLog, spec: spec, resuming: resume != nil) }
            writer?.append(.optimizerState(bytes: trainer.optimizer.stateByteCount))
            log.withLock { $0 = writer }
            return trainer
        })
        return RunSession(id: id, spec: spec, thread: thread)
    }

    public var control: RunControl { thread.control }

    /// Asks the run to stop (a paused run too); it saves and ends on its own thread.
    public func requestStop() {
        thread.control.requestStop()
        thread.control.resume()
    }

    /// Blocks until the run has ended, been saved and logged its end.
    public func wait() { thread.wait() }

    /// Waits at most `seconds`; true when the run has ended.
    public func wait(seconds: Double) -> Bool { thread.wait(seconds: seconds) }

    /// How the run ended; nil while it runs.
    public var outcome: TrainerThread.Outcome? { thread.outcome }

    /// The run's final record as its log holds it (from its last snapshot on `board`).
    public func end(on board: RunBoard) -> RunEnd {
        let saved = (try? outcome?.saved.get()) ?? nil
        return RunEnd(spec: spec, snapshot: board.snapshot(id: id), saved: saved)
    }
}
