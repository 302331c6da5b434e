import Core

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
    /// Starts a new run: the form's fields over the command line's.
    public var start: (RunOverrides) throws -> LaunchedRun
    /// Starts a fresh run with the configuration of run `id` (which the dashboard has already
    /// asked to stop).
    public var restart: (_ id: Int) throws -> LaunchedRun

    public init(start: @escaping (RunOverrides) throws -> LaunchedRun,
                restart: @escaping (_ id: Int) throws -> LaunchedRun) {
        self.start = start
        self.restart = restart
    }
}
