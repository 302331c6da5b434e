import Foundation
import Synchronization

/// A trainer running on its own thread, and the means to wait for it.
public final class TrainerThread: Sendable {
    /// How a run ended: its status, where it stood, and where it was saved (or why not).
    public struct Outcome: Sendable {
        public let status: RunStatus
        public let position: Checkpoint.Position
        public let saved: Result<String?, QScopeError>
    }

    public let control: RunControl
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Outcome?>(nil)

    /// Moves a value to another thread.
    ///
    /// Safe because `start` is the only creator: it receives the trainer as `sending`, so the
    /// caller keeps no reference, and the box is consumed by exactly one thread.
    private struct Handoff<Value>: @unchecked Sendable {
        let value: Value
    }

    private init(control: RunControl) {
        self.control = control
    }

    /// Starts `trainer` on a new thread; afterwards, if `savePath` is set, saves a checkpoint
    /// there (also when stopped or diverged: the weights are the last finite ones). `onLog` runs
    /// on the trainer thread.
    public static func start(_ trainer: sending Trainer, control: RunControl, savePath: String?,
                             onLog: @escaping @Sendable (TrainLog) -> Void = { _ in }) -> TrainerThread
    {
        let handle = TrainerThread(control: control)
        let box = Handoff(value: trainer)
        let thread = Thread {
            let trainer = box.value
            let status = trainer.run(onLog: onLog)
            var saved: Result<String?, QScopeError> = .success(nil)
            if let savePath {
                do {
                    try trainer.save(to: savePath)
                    saved = .success(savePath)
                } catch let error as QScopeError {
                    saved = .failure(error)
                } catch {
                    saved = .failure(.runtime("cannot save \(savePath): \(error)"))
                }
            }
            let outcome = Outcome(status: status, position: trainer.currentPosition, saved: saved)
            handle.result.withLock { $0 = outcome }
            handle.done.signal()
        }
        // Deep models recurse little, but BLAS and the Swift runtime like a roomy stack.
        thread.stackSize = 16 << 20
        thread.start()
        return handle
    }

    /// Blocks until the trainer has finished (and saved).
    public func wait() { done.wait() }

    /// Waits at most `seconds`; true when the trainer finished.
    public func wait(seconds: Double) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }
}

extension TrainerThread {
    /// How the run ended; nil while it is still running.
    public var outcome: Outcome? { result.withLock { $0 } }
}
