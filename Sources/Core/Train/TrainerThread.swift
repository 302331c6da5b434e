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

    private init(control: RunControl) {
        self.control = control
    }

    /// Builds a trainer with `make` on a new thread and trains it there; afterwards, if
    /// `savePath` is set, saves a checkpoint (also when stopped or diverged: the weights are the
    /// last finite ones). Returns once the trainer exists, rethrowing `make`'s error, so bad
    /// input still fails on the caller's thread. The trainer never leaves its thread. `onLog`
    /// and `onEnd` (once saved, before `wait` returns) run on the trainer thread.
    public static func start(control: RunControl, savePath: String?,
                             onLog: @escaping @Sendable (TrainLog) -> Void = { _ in },
                             onEnd: @escaping @Sendable (Outcome) -> Void = { _ in },
                             make: @escaping @Sendable () throws -> Trainer) throws -> TrainerThread {
        let handle = TrainerThread(control: control)
        let ready = DispatchSemaphore(value: 0)
        let startError = Mutex<Error?>(nil)
        let thread = Thread {
            // Denormals cost a microcode assist per operation on many CPUs; training never
            // needs values below 1.2e-38 (docs/platform.md §Denormals).
            CPU.flushDenormals()
            CPU.applyTrainingPriority()
            let trainer: Trainer
            do {
                trainer = try make()
            } catch {
                startError.withLock { $0 = error }
                ready.signal()
                handle.done.signal()
                return
            }
            ready.signal()
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
            onEnd(outcome)
            handle.done.signal()
        }
        // BLAS and the Swift runtime like a roomy stack.
        thread.stackSize = 16 << 20
        thread.start()
        ready.wait()
        if let error = startError.withLock({ $0 }) { throw error }
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
