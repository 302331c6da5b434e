import Core
import Foundation

/// How the dashboard loop ended.
public enum DashboardExit: Equatable, Sendable {
    /// The user pressed `q`.
    case quit
    /// Ctrl-C or SIGTERM.
    case interrupted
}

/// The live training dashboard: shows the runs on a `RunBoard` and sends the user's
/// commands to their `RunControl`s.
///
/// `run()` owns the terminal and must be called on the main thread (the only thread that
/// touches ncurses); trainers keep running on their own threads and only meet the dashboard
/// through the board's lock and the controls' atomics.
public final class Dashboard {
    public let board: RunBoard
    public let controls: [Int: RunControl]
    public let options: DashboardOptions
    private let environment: [String: String]
    private let theme: Theme
    /// Why the requested theme could not be used, shown on the status line.
    private let themeProblem: String?

    public init(board: RunBoard, controls: [Int: RunControl], options: DashboardOptions = DashboardOptions(),
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.board = board
        self.controls = controls
        self.options = options
        self.environment = environment
        (theme, themeProblem) = Theme.resolve(options.theme, environment: environment)
    }

    /// Throws the error `run()` would throw for a missing terminal, without touching the
    /// screen: lets the caller refuse before it starts training.
    public func checkTerminal() throws {
        try NcursesBackend.requireTerminal(environment: environment)
    }

    /// Runs the dashboard until `q` or Ctrl-C, then restores the terminal and returns; the
    /// caller then stops the trainers and saves. Throws `badInput` when there is no usable
    /// terminal (not a TTY, unknown `TERM`).
    @discardableResult
    public func run() throws -> DashboardExit {
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let backend = try NcursesBackend(environment: environment)
        defer { backend.close() }
        let detected = ColorMode.detect(colorCount: backend.colorCount, environment: environment)
        backend.colorMode = options.colorMode.map { $0.limited(to: detected) } ?? detected
        let glyphs: GlyphSet = options.forceASCII ? .ascii : GlyphSet.detect()
        var terminal = backend  // `loop` takes its backend inout, as value-type test backends need
        return loop(backend: &terminal, view: makeView(glyphs: glyphs, colorMode: backend.colorMode),
                    interrupted: { signals.interrupted })
    }

    /// The frame the dashboard would show for these snapshots (pure; for tests and `--once`).
    public func renderFrame(snapshots: [RunSnapshot], size: Size, state: DashboardState = DashboardState(),
                            glyphs: GlyphSet = .braille, colorMode: ColorMode = .truecolor) -> CellBuffer {
        makeView(glyphs: glyphs, colorMode: colorMode).render(snapshots: snapshots, size: size, state: state)
    }

    /// The input/render loop, on any backend: redraws when the board's generation moves or
    /// input arrives, and otherwise waits in `poll` for at most one tick.
    func loop<Backend: TerminalBackend>(backend: inout Backend, view: DashboardView,
                                        interrupted: () -> Bool) -> DashboardExit {
        var view = view
        var themes = ThemeCycle(names: Theme.availableNames(environment: environment), startingAt: options.theme)
        var state = DashboardState(pauseRequested: !controls.isEmpty && controls.values.allSatisfy(\.isPaused),
                                   notice: themeProblem)
        // Read the generation before copying: a publish in between then shows up next tick.
        var generation = board.generation
        var runs = board.snapshots()
        var dirty = true
        while !state.quitRequested {
            if interrupted() { return .interrupted }
            let current = board.generation
            if current != generation {
                generation = current
                runs = board.snapshots()
                dirty = true
            }
            if dirty {
                backend.present(view.render(snapshots: runs, size: backend.size, state: state))
                dirty = false
            }
            guard let event = backend.poll(timeoutMs: options.tickMilliseconds) else { continue }
            dirty = true
            if case .key(let key) = event, let action = view.keyMap.action(for: key),
               let effect = state.apply(action) {
                perform(effect, state: &state, view: &view, themes: &themes)
            }
        }
        return .quit
    }

    private func perform(_ effect: DashboardEffect, state: inout DashboardState, view: inout DashboardView,
                         themes: inout ThemeCycle) {
        switch effect {
        case .pauseAll, .resumeAll:
            guard !controls.isEmpty else {
                state.pauseRequested = false
                state.notice = "pausing is unavailable here: the runs train in another process"
                return
            }
            for control in controls.values {
                if effect == .pauseAll { control.pause() } else { control.resume() }
            }
        case .cycleTheme:
            let name = themes.advance()
            let (theme, problem) = Theme.resolve(.named(name), environment: environment)
            view.palette = Palette(theme: theme, colorMode: view.colorMode)
            state.notice = problem ?? "theme \(name)"
        }
    }

    func makeView(glyphs: GlyphSet, colorMode: ColorMode) -> DashboardView {
        DashboardView(theme: theme, glyphs: glyphs, colorMode: colorMode,
                      minimumSize: options.minimumSize)
    }
}
