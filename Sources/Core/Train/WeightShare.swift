import Synchronization

/// A copy of a run's parameters at one step, with what it takes to evaluate them away from
/// the trainer: the run's spec (model, batch shape, seed) and its corpus.
///
/// A value: `values` is an array the trainer filled and never touches again, so any thread
/// may read it (the dashboard's Quantize view evaluates plans on it, docs/dashboard.md §10).
public struct SharedWeights: Sendable {
    /// Counts the copies a share has handed out, so a reader can tell a new one from the last.
    public let version: Int
    /// The step the parameters are at.
    public let step: Int
    public let spec: RunSpec
    public let corpus: Corpus
    /// The parameters in layout order.
    public let values: [Float]

    public init(version: Int, step: Int, spec: RunSpec, corpus: Corpus, values: [Float]) {
        self.version = version
        self.step = step
        self.spec = spec
        self.corpus = corpus
        self.values = values
    }
}

/// Hands copies of a trainer's parameters to other threads, on request.
///
/// A reader calls `request()`; the trainer, between steps (or while paused), sees it through
/// `takeRequest()`, copies its parameters and `deposit`s them; the reader then reads `latest`.
/// The copy is made on the trainer's own thread, the only one that writes the parameters, so
/// it never sees a half-updated step. With `keepFinal` on, the trainer also deposits its last
/// parameters when the run ends, so they outlive the trainer (whose buffers are then freed).
public final class WeightShare: Sendable {
    private let requested = Atomic<Bool>(false)
    private let keepsFinal = Atomic<Bool>(false)
    private let shared = Mutex<SharedWeights?>(nil)

    public init() {}

    /// Asks the trainer for a copy at its next step boundary.
    public func request() { requested.store(true, ordering: .relaxed) }

    /// Takes a pending request (trainer side): true at most once per request.
    public func takeRequest() -> Bool { requested.exchange(false, ordering: .relaxed) }

    /// Whether the trainer deposits its parameters when the run ends (off by default: only a
    /// reader that wants them, the dashboard, pays for the copy).
    public var keepFinal: Bool {
        get { keepsFinal.load(ordering: .relaxed) }
        set { keepsFinal.store(newValue, ordering: .relaxed) }
    }

    /// The newest copy, if the trainer has made one.
    public var latest: SharedWeights? { shared.withLock { $0 } }

    /// Stores a copy of `values` (trainer side); returns its version.
    @discardableResult
    public func deposit(step: Int, spec: RunSpec, corpus: Corpus, values: [Float]) -> Int {
        shared.withLock { current in
            let version = (current?.version ?? 0) + 1
            current = SharedWeights(version: version, step: step, spec: spec, corpus: corpus, values: values)
            return version
        }
    }
}
