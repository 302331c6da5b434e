import Synchronization

/// Where a run is in its life.
public enum RunStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case starting, running, paused, stopped, finished, diverged, failed

    /// True once the run will never step again.
    public var isTerminal: Bool {
        switch self {
        case .stopped, .finished, .diverged, .failed: return true
        case .starting, .running, .paused: return false
        }
    }
}

/// An immutable picture of one run, published by its trainer and copied by readers.
public struct RunSnapshot: Sendable, Equatable {
    public var id: Int
    /// Display name, e.g. `adamw/tiny`.
    public var name: String
    /// nil until known (a watched log before its header).
    public var optimizer: OptimizerKind?
    public var model: String
    /// The run's full specification, when known (a watched log of format 1 has none).
    public var spec: RunSpec?
    public var status: RunStatus
    public var step: Int
    public var totalSteps: Int
    public var tokens: Int
    public var trainLoss: Double?
    public var valLoss: Double?
    public var learningRate: Double
    public var gradNorm: Double?
    public var tokensPerSecond: Double
    /// Seconds of training so far (paused time excluded).
    public var elapsed: Double
    public var parameterCount: Int
    /// Bytes of optimizer state (moments, preconditioners).
    public var optimizerStateBytes: Int
    /// A human-readable note: why the run diverged or failed, where it was saved.
    public var message: String?
    public var trainHistory: MetricSeries
    public var valHistory: MetricSeries
    /// Work in progress besides training (e.g. "measuring"), for a busy indicator; nil when idle.
    public var activity: String?
    /// Quantization-aware training, e.g. `quest w4a4`; nil for full precision.
    public var qat: String?
    /// The probe's latest per-layer statistics, error propagation and PTQ losses.
    public var layers: LayerReport?
    public var propagation: PropagationReport?
    public var ptq: PTQSummary?
    /// Seconds the probe has spent measuring, included in `elapsed`.
    public var probeSeconds = 0.0
    /// Per-layer statistics over training, oldest first, thinned to at most
    /// `layerHistoryCapacity` reports spanning the whole run.
    public private(set) var layerHistory: [LayerReport] = []
    public static let layerHistoryCapacity = 128
    /// Every probe's PTQ increase with its output error, oldest first, thinned like
    /// `layerHistory`.
    public private(set) var probeHistory: [ProbePoint] = []

    public init(id: Int, name: String, optimizer: OptimizerKind?, model: String, totalSteps: Int,
                parameterCount: Int, historyCapacity: Int = 4096) {
        self.id = id
        self.name = name
        self.optimizer = optimizer
        self.model = model
        self.status = .starting
        self.step = 0
        self.totalSteps = totalSteps
        self.tokens = 0
        self.learningRate = 0
        self.tokensPerSecond = 0
        self.elapsed = 0
        self.parameterCount = parameterCount
        self.optimizerStateBytes = 0
        self.trainHistory = MetricSeries(capacity: historyCapacity)
        self.valHistory = MetricSeries(capacity: historyCapacity)
    }

    /// Records what the probe measured: the latest of each part, and the layer history.
    public mutating func record(_ report: ProbeReport) {
        if let layers = report.layers {
            self.layers = layers
            if layerHistory.count == Self.layerHistoryCapacity {
                // Keep every other report: the history stays bounded and still spans the run.
                layerHistory = layerHistory.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            }
            layerHistory.append(layers)
        }
        if let propagation = report.propagation { self.propagation = propagation }
        if let ptq = report.ptq { self.ptq = ptq }
        if let point = ProbePoint(report) {
            if probeHistory.count == Self.layerHistoryCapacity {
                probeHistory = probeHistory.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            }
            probeHistory.append(point)
        }
    }
}

/// The shared, lock-protected table of every run's latest snapshot.
///
/// Trainers publish whole snapshots; readers copy them out. Copying is cheap (the histories are
/// copy-on-write arrays), so the lock is held only for an assignment and nobody renders or
/// computes under it. `generation` increases on every publish, letting a reader skip a copy
/// when nothing changed.
public final class RunBoard: Sendable {
    private let runs = Mutex<[Int: RunSnapshot]>([:])
    private let generationCounter = Atomic<Int>(0)

    public init() {}

    /// A number that changes whenever any run publishes.
    public var generation: Int { generationCounter.load(ordering: .acquiring) }

    public func publish(_ snapshot: RunSnapshot) {
        runs.withLock { $0[snapshot.id] = snapshot }
        generationCounter.add(1, ordering: .releasing)
    }

    /// Every run's snapshot, ordered by run id.
    public func snapshots() -> [RunSnapshot] {
        let copy = runs.withLock { $0 }
        return copy.values.sorted { $0.id < $1.id }
    }

    public func snapshot(id: Int) -> RunSnapshot? {
        runs.withLock { $0[id] }
    }
}

/// Commands a reader sends to one trainer; the trainer polls them between steps.
public final class RunControl: Sendable {
    private let pausedFlag = Atomic<Bool>(false)
    private let stopFlag = Atomic<Bool>(false)
    private let measureFlag = Atomic<Bool>(false)
    /// Copies of the trainer's parameters for readers that evaluate them elsewhere (the
    /// dashboard's Quantize view).
    public let weights = WeightShare()

    public init() {}

    /// True until the trainer takes the request made by `requestMeasurement`.
    public var isMeasurementRequested: Bool { measureFlag.load(ordering: .relaxed) }

    /// Asks the trainer to run its probe (PTQ, ABC analysis, layer statistics) on its current
    /// weights at the next step boundary, also while paused; the result arrives in a snapshot.
    public func requestMeasurement() { measureFlag.store(true, ordering: .relaxed) }

    /// Takes a pending measurement request (trainer side): true at most once per request.
    public func takeMeasurementRequest() -> Bool { measureFlag.exchange(false, ordering: .relaxed) }

    public var isPaused: Bool { pausedFlag.load(ordering: .relaxed) }
    public var isStopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    public func pause() { pausedFlag.store(true, ordering: .relaxed) }
    public func resume() { pausedFlag.store(false, ordering: .relaxed) }
    public func togglePause() { pausedFlag.store(!isPaused, ordering: .relaxed) }
    public func requestStop() { stopFlag.store(true, ordering: .relaxed) }
}
