/// What the dashboard shows besides the runs' data: overlays, the pause request, notices.
///
/// A value with a pure `apply`, so key handling is tested by feeding actions, without a
/// terminal or trainers; side effects on the runs come back as `DashboardEffect`s.
public struct DashboardState: Equatable, Sendable {
    public var showHelp: Bool
    /// True while the user has paused every run (the trainers confirm by publishing `.paused`).
    public var pauseRequested: Bool
    /// A one-line message for the status line, e.g. why the theme fell back to the default.
    public var notice: String?
    public var quitRequested: Bool

    public init(showHelp: Bool = false, pauseRequested: Bool = false, notice: String? = nil,
                quitRequested: Bool = false) {
        self.showHelp = showHelp
        self.pauseRequested = pauseRequested
        self.notice = notice
        self.quitRequested = quitRequested
    }

    /// Applies `action`, returning what must happen to the runs as a result.
    public mutating func apply(_ action: DashboardAction) -> DashboardEffect? {
        switch action {
        case .togglePause:
            pauseRequested.toggle()
            return pauseRequested ? .pauseAll : .resumeAll
        case .cycleTheme:
            return .cycleTheme
        case .toggleHelp:
            showHelp.toggle()
        case .closeOverlay:
            showHelp = false
        case .quit:
            quitRequested = true
        }
        return nil
    }
}

/// What a key press asks of the world outside the state: the trainers, or the theme files.
public enum DashboardEffect: Equatable, Sendable {
    case pauseAll
    case resumeAll
    /// Switch to the next theme (the Dashboard loads it and rebuilds its palette).
    case cycleTheme
}
