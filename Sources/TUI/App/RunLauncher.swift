import Core

/// What the new-run form asks the CLI to start.
public struct RunRequest: Equatable, Sendable {
    public var optimizer: String
    /// A model size name (`tiny`, `xs`, …).
    public var model: String
    /// The peak learning rate; nil for the optimizer's tuned default.
    public var learningRate: Float?
    /// Quantization-aware training (`quest`, `ste`); nil for full precision.
    public var qat: String?
    /// Bits for QAT's weights and activations.
    public var bits: Int

    public init(optimizer: String, model: String, learningRate: Float? = nil, qat: String? = nil, bits: Int = 4) {
        self.optimizer = optimizer
        self.model = model
        self.learningRate = learningRate
        self.qat = qat
        self.bits = bits
    }
}

/// A run the launcher started: its board id and the control that steers it.
public struct LaunchedRun: Sendable {
    public var id: Int
    public var control: RunControl

    public init(id: Int, control: RunControl) {
        self.id = id
        self.control = control
    }
}

/// How the dashboard starts runs after launch; the CLI implements it, since only the CLI
/// knows the corpus and the shared run flags.
///
/// Called on the UI thread only. Both closures return once the run's trainer exists (it has
/// published its first snapshot) and throw a `QScopeError` with a one-line message otherwise.
public struct RunLauncher {
    /// Starts a new run.
    public var start: (RunRequest) throws -> LaunchedRun
    /// Starts a fresh run with the configuration of run `id` (which the dashboard has already
    /// asked to stop).
    public var restart: (_ id: Int) throws -> LaunchedRun

    public init(start: @escaping (RunRequest) throws -> LaunchedRun,
                restart: @escaping (_ id: Int) throws -> LaunchedRun) {
        self.start = start
        self.restart = restart
    }
}
