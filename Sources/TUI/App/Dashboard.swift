import Core
import Study
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
    /// Every run's control by id; grows on the UI thread as the user starts runs.
    public private(set) var controls: [Int: RunControl]
    public let options: DashboardOptions
    /// Starts and restarts runs; nil when this dashboard cannot (then `n` and `r` say so).
    private let launcher: RunLauncher?
    private let exporter: DashboardExport
    private let environment: [String: String]
    private let theme: Theme
    /// Why the requested theme could not be used, shown on the status line.
    private let themeProblem: String?
    /// The study followed in the Study view, if any.
    private let study: StudyMonitor?
    /// The Quantize view's worker and what was asked of it (UI thread only).
    private var quantize = QuantizeLink()

    public init(board: RunBoard, controls: [Int: RunControl], options: DashboardOptions = DashboardOptions(),
                launcher: RunLauncher? = nil, exporter: DashboardExport = DashboardExport(),
                environment: [String: String] = ProcessInfo.processInfo.environment, study: StudyMonitor? = nil) {
        self.study = study
        self.board = board
        self.controls = controls
        Self.keepFinalWeights(controls.values)
        // Trainers started from here on yield to the UI and the Quantize worker when they need a
        // core (`CPU.trainingNice`); the launcher starts its runs after the dashboard exists.
        CPU.trainingNice = max(CPU.trainingNice, Self.trainingNice)
        self.options = options
        self.launcher = launcher
        self.exporter = exporter
        self.environment = environment
        (theme, themeProblem) = Theme.resolve(options.theme, environment: environment)
    }

    /// Adds the controls of runs started outside the dashboard, e.g. after `checkTerminal()`.
    public func add(controls more: [Int: RunControl]) {
        controls.merge(more) { _, new in new }
        Self.keepFinalWeights(more.values)
    }

    /// Asks the trainers to leave their last weights behind when they end, so the Quantize
    /// view still measures a run that has finished.
    private static func keepFinalWeights(_ controls: some Sequence<RunControl>) {
        for control in controls { control.weights.keepFinal = true }
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

    /// The nice value of the dashboard's training threads.
    static let trainingNice: Int32 = 5

    /// Ticks between spinner frames: about 8 frames a second at the default tick.
    static let ticksPerAnimationFrame = 4

    /// The input/render loop, on any backend: redraws when the board's generation moves,
    /// input arrives or a busy run's spinner turns, and otherwise waits in `poll` for at most
    /// one tick.
    func loop<Backend: TerminalBackend>(backend: inout Backend, view: DashboardView,
                                        interrupted: () -> Bool) -> DashboardExit {
        var view = view
        var themes = ThemeCycle(names: Theme.availableNames(environment: environment), startingAt: options.theme)
        var state = DashboardState(pauseRequested: !controls.isEmpty && controls.values.allSatisfy(\.isPaused),
                                   notice: themeProblem)
        if study != nil {
            state.pages = DashboardPage.allCases
            state.page = .study
        }
        var studyGeneration = study?.generation
        // Read the generation before copying: a publish in between then shows up next tick.
        var generation = board.generation
        var runs = board.snapshots()
        var frame: CellBuffer?
        var ticks = 0
        defer { quantize.stop() }
        while !state.quitRequested {
            if interrupted() { return .interrupted }
            let current = board.generation
            if current != generation {
                generation = current
                runs = board.snapshots()
                frame = nil
            }
            if let study, study.generation != studyGeneration {
                studyGeneration = study.generation
                frame = nil
            }
            if quantize.sync(state: &state, runs: runs, controls: controls) { frame = nil }
            let quantizeStatus = quantize.worker.status
            if runs.contains(where: { $0.activity != nil }) || quantizeStatus.busy != nil {
                ticks += 1
                if ticks % Self.ticksPerAnimationFrame == 0 {
                    state.animationFrame += 1
                    frame = nil
                }
            }
            if frame == nil {
                let rendered = view.render(snapshots: runs, size: backend.size, state: state, study: study?.status,
                                           quantize: quantizeStatus)
                backend.present(rendered)
                frame = rendered
            }
            guard let event = backend.poll(timeoutMs: options.tickMilliseconds) else { continue }
            var action: DashboardAction?
            switch event {
            case .key(let key): action = view.keyMap.action(for: key, state: state)
            case .mouse(let mouse): action = frame.flatMap { view.action(for: mouse, on: $0, state: state) }
            case .resize: break
            }
            if let action {
                let form = state.form
                if let effect = state.apply(action, context: view.context(runs: runs, state: state)) {
                    perform(effect, state: &state, runs: &runs, view: &view, themes: &themes, screen: frame?.text ?? "",
                            form: form)
                }
            }
            frame = nil
        }
        return .quit
    }

    /// Carries out what a key asked of the runs or the look; problems become a notice on the
    /// status line. `form` is the form as it was before the key, reopened when a start fails so
    /// the user can fix it.
    private func perform(_ effect: DashboardEffect, state: inout DashboardState, runs: inout [RunSnapshot],
                         view: inout DashboardView, themes: inout ThemeCycle, screen: String, form: RunForm?) {
        do {
            switch effect {
            case .pauseAll, .resumeAll:
                guard !controls.isEmpty else {
                    state.pauseRequested = false
                    throw QScopeError.badInput("pausing is unavailable here: the runs train in another process")
                }
                for control in controls.values {
                    if effect == .pauseAll { control.pause() } else { control.resume() }
                }
            case .togglePause(let id):
                controls[id]?.togglePause()
            case .stop(let id):
                stop(id)
            case .measure(let id):
                controls[id]?.requestMeasurement()
            case .measureAll(let ids):
                ids.forEach { controls[$0]?.requestMeasurement() }
            case .restart(let id):
                guard let launcher else { throw QScopeError.badInput("this dashboard cannot restart runs") }
                stop(id)
                adopt(try launcher.restart(id), state: &state, runs: &runs, verb: "restarted")
            case .start(let request):
                guard let launcher else { throw QScopeError.badInput("this dashboard cannot start runs") }
                do {
                    adopt(try launcher.start(request), state: &state, runs: &runs, verb: "started")
                } catch {
                    state.form = form
                    throw error
                }
            case .export(let page):
                let table = view.exportTable(snapshots: runs, state: state, study: study?.status,
                                             quantize: quantize.worker.status)
                let base = try exporter.write(page: page, table: table,
                                              screen: screen, date: Date())
                state.notice = "exported \(base).{csv,json,txt}"
            case .allocatePlan(let id, let bits, let method):
                quantize.allocate(runID: id, bits: bits, method: method, state: state, runs: runs, controls: controls)
            case .writePlan(let id, let plan):
                guard let run = runs.first(where: { $0.id == id }) else { throw QScopeError.badInput("no run \(id)") }
                let path = try QuantizePlanFile.write(plan: plan, run: run,
                                                      measurement: quantize.worker.status.measurements[id])
                state.notice = "wrote \(path)"
            case .cycleTheme:
                let name = themes.advance()
                let (theme, problem) = Theme.resolve(.named(name), environment: environment)
                view.palette = Palette(theme: theme, colorMode: view.colorMode)
                state.notice = problem ?? "theme \(name)"
            }
        } catch {
            state.notice = "\(error)"
        }
    }

    /// Stops run `id`; a paused run is resumed so its trainer sees the request.
    private func stop(_ id: Int) {
        controls[id]?.requestStop()
        controls[id]?.resume()
    }

    /// Takes over a run the launcher started and selects it.
    private func adopt(_ launched: LaunchedRun, state: inout DashboardState, runs: inout [RunSnapshot], verb: String) {
        controls[launched.id] = launched.control
        launched.control.weights.keepFinal = true
        runs = board.snapshots()
        state.selectedRun = runs.firstIndex { $0.id == launched.id } ?? state.selectedRun
        state.notice = "\(verb) \(runs.first { $0.id == launched.id }?.name ?? "run \(launched.id)")"
    }

    func makeView(glyphs: GlyphSet, colorMode: ColorMode) -> DashboardView {
        var view = DashboardView(theme: theme, glyphs: glyphs, colorMode: colorMode, minimumSize: options.minimumSize)
        view.machine = options.machine
        return view
    }
}
