import Core
import Dispatch
import Foundation
import Synchronization

/// What the Quantize view asks the worker to compute.
public struct QuantizeJob: Sendable {
    public enum Task: Sendable, Equatable {
        /// Measure this plan.
        case evaluate(ResolvedQuantization)
        /// Allocate `bits` average bits by the ABC sensitivities (`method` RTN or GPTQ), then
        /// measure the plan found.
        case allocate(bits: Double, method: QuantMethod)
    }

    public var runID: Int
    public var task: Task
    /// Where the run's weights come from; nil for a run of another process.
    public var weights: WeightShare?
    /// The run will not step again, so its last deposit is its current weights.
    public var runEnded: Bool
    /// The view's refresh count: a count the worker has not seen makes it fetch fresh weights.
    public var refresh: Int
    /// When the key was pressed (`QuantizeWorker.now()`), for the key-to-numbers latency.
    public var submitted: Double

    public init(runID: Int, task: Task, weights: WeightShare?, runEnded: Bool, refresh: Int,
                submitted: Double = QuantizeWorker.now()) {
        self.runID = runID
        self.task = task
        self.weights = weights
        self.runEnded = runEnded
        self.refresh = refresh
        self.submitted = submitted
    }
}

/// One plan measured on one run's weights: what the Quantize view shows.
public struct QuantizeMeasurement: Sendable, Equatable {
    public var runID: Int
    public var plan: ResolvedQuantization
    public var fullPrecisionLoss: Double
    public var quantizedLoss: Double
    /// The ABC decomposition per module, R at the logits and the output KL.
    public var propagation: PropagationReport
    public var footprint: QuantFootprint
    /// The step of the weights measured.
    public var weightsStep: Int
    /// Milliseconds of the evaluation itself.
    public var evaluationMs: Double
    /// Milliseconds from the key to the numbers: waiting for a running job, fetching the
    /// weights, allocating and evaluating.
    public var latencyMs: Double
    /// The budget, when the plan came from "allocate".
    public var allocatedBits: Double?
    /// Numbers the worker's finished jobs, so the dashboard adopts an allocation once.
    public var serial: Int

    public var increase: Double { quantizedLoss - fullPrecisionLoss }
}

/// What the worker is doing and what it has found, copied out by the UI thread.
public struct QuantizeStatus: Sendable, Equatable {
    /// What is being computed ("fetching weights", "evaluating", …); nil when idle.
    public var busy: String?
    /// The run of the job in hand.
    public var busyRun: Int?
    /// The newest measurement of each run, by run id.
    public var measurements: [Int: QuantizeMeasurement] = [:]
    /// Why the newest job of a run failed, by run id (cleared by its next success).
    public var failures: [Int: String] = [:]

    public init(busy: String? = nil, busyRun: Int? = nil, measurements: [Int: QuantizeMeasurement] = [:],
                failures: [Int: String] = [:]) {
        self.busy = busy
        self.busyRun = busyRun
        self.measurements = measurements
        self.failures = failures
    }
}

/// Measures quantization plans on a thread of its own while training goes on, for the
/// Quantize view.
///
/// The UI thread `submit`s jobs and copies `status`; the worker thread takes them one at a
/// time. Only the newest unstarted job is kept: keys pressed while a job runs replace each
/// other, so after it the worker measures just the latest plan. Every exchange is an immutable
/// value behind `inbox`'s lock, held only to copy or assign; the evaluator itself lives on the
/// worker thread alone (`QuantizeSession`). The thread starts with the first job.
public final class QuantizeWorker: Sendable {
    private struct Inbox: Sendable {
        var pending: QuantizeJob?
        var stopping = false
        var status = QuantizeStatus()
        var serial = 0
    }

    private let inbox = Mutex(Inbox())
    private let wake = DispatchSemaphore(value: 0)
    private let generationCounter = Atomic<Int>(0)
    private let started = Atomic<Bool>(false)

    public init() {}

    /// A number that changes whenever `status` does.
    public var generation: Int { generationCounter.load(ordering: .acquiring) }

    public var status: QuantizeStatus { inbox.withLock { $0.status } }

    /// Queues `job`, replacing any job not yet started.
    public func submit(_ job: QuantizeJob) {
        inbox.withLock { inbox in
            inbox.pending = job
            inbox.status.busy = inbox.status.busy ?? "waiting"
            inbox.status.busyRun = inbox.status.busyRun ?? job.runID
        }
        generationCounter.add(1, ordering: .releasing)
        if started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            let thread = Thread { [self] in serve() }
            // BLAS and the Swift runtime like a roomy stack, as on the trainer threads.
            thread.stackSize = 16 << 20
            thread.start()
        }
        wake.signal()
    }

    /// Asks the worker thread to end after the job in hand (the UI is quitting).
    public func stop() {
        inbox.withLock { $0.stopping = true }
        wake.signal()
    }

    /// Seconds on a monotonic clock.
    public static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    /// The worker thread: waits for a job, measures it, publishes the result, until stopped.
    private func serve() {
        // As on the trainer threads (docs/platform.md §Denormals): denormals only cost time.
        CPU.flushDenormals()
        let session = QuantizeSession()
        while true {
            wake.wait()
            let next: QuantizeJob?? = inbox.withLock { inbox in
                guard !inbox.stopping else { return .none }
                defer { inbox.pending = nil }
                return .some(inbox.pending)
            }
            guard let taken = next else { return }
            guard let job = taken else { continue }
            setBusy("starting", run: job.runID)
            let result = Result {
                try session.run(job, progress: { self.setBusy($0, run: job.runID) }, abandon: {
                    self.inbox.withLock { $0.stopping || ($0.pending.map { $0.runID != job.runID } ?? false) }
                })
            }
            finish(job, result)
        }
    }

    private func setBusy(_ label: String, run: Int) {
        inbox.withLock {
            $0.status.busy = label
            $0.status.busyRun = run
        }
        generationCounter.add(1, ordering: .releasing)
    }

    /// Publishes what `job` gave; the worker stays busy when another job is waiting.
    private func finish(_ job: QuantizeJob, _ result: Result<QuantizeMeasurement, Error>) {
        inbox.withLock { inbox in
            switch result {
            case .success(var measurement):
                inbox.serial += 1
                measurement.serial = inbox.serial
                measurement.latencyMs = (Self.now() - job.submitted) * 1000
                inbox.status.measurements[job.runID] = measurement
                inbox.status.failures[job.runID] = nil
            case .failure(let error) where error is QuantizeSession.Abandoned:
                break
            case .failure(let error):
                inbox.status.failures[job.runID] = "\(error)"
            }
            inbox.status.busy = inbox.pending == nil ? nil : "waiting"
            inbox.status.busyRun = inbox.pending?.runID
        }
        generationCounter.add(1, ordering: .releasing)
    }
}
