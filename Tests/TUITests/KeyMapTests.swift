import Core
import Testing
@testable import TUI

@Suite("Keys, state and the loop")
struct KeyMapTests {
    @Test func tableDrivesDispatch() {
        let keys = KeyMap.dashboard
        #expect(keys.action(for: .character("p")) == .togglePause)
        #expect(keys.action(for: .character("t")) == .cycleTheme)
        #expect(keys.action(for: .character("?")) == .toggleHelp)
        #expect(keys.action(for: .escape) == .closeOverlay)
        #expect(keys.action(for: .character("q")) == .quit)
        #expect(keys.action(for: .character("Z")) == nil)
        #expect(keys.action(for: .code(410)) == nil)
        #expect(keys.action(for: .character("3")) == .showPage(.propagation))
        #expect(keys.action(for: .tab) == .nextPage)
        #expect(keys.action(for: .backTab) == .previousPage)
    }

    /// The same key means what the view on screen needs: vim keys and arrows alike.
    @Test func keysDependOnTheView() {
        let keys = KeyMap.dashboard
        let training = DashboardState(), layers = DashboardState(page: .layers), help = DashboardState(page: .help)
        for key in [Key.character("j"), .down] {
            #expect(keys.action(for: key, state: training) == .selectNextRun)
            #expect(keys.action(for: key, state: layers) == .selectNextRow)
            #expect(keys.action(for: key, state: help) == nil)
        }
        for key in [Key.character("h"), .left] {
            #expect(keys.action(for: key, state: training) == .panLeft)
            #expect(keys.action(for: key, state: layers) == .selectPreviousMetric)
        }
        #expect(keys.action(for: .character("y"), state: training) == .toggleLogY)
        #expect(keys.action(for: .character("y"), state: layers) == nil)
        #expect(keys.action(for: .character(">"), state: layers) == .selectNextRun)
        #expect(keys.action(for: .character("n"), state: help) == .openForm)
    }

    /// A prompt takes every key (anything but y is no); the form types what it does not bind.
    @Test func promptAndFormTakeEveryKey() {
        let keys = KeyMap.dashboard
        let prompt = DashboardState(confirm: .stop(runID: 0, name: "adamw/tiny"))
        #expect(keys.action(for: .character("y"), state: prompt) == .confirmYes)
        #expect(keys.action(for: .character("q"), state: prompt) == .confirmNo)
        #expect(keys.action(for: .escape, state: prompt) == .confirmNo)
        let form = DashboardState(form: RunForm())
        #expect(keys.action(for: .tab, state: form) == .formNextField)
        #expect(keys.action(for: .up, state: form) == .formPreviousField)
        #expect(keys.action(for: .enter, state: form) == .formSubmit)
        #expect(keys.action(for: .escape, state: form) == .formCancel)
        #expect(keys.action(for: .backspace, state: form) == .formDeleteBackward)
        #expect(keys.action(for: .character("q"), state: form) == .formType("q"))
        #expect(keys.action(for: .code(410), state: form) == nil)
    }

    /// Every key is bound once per view: no binding is shadowed by an earlier one.
    @Test func noKeyIsBoundTwiceInOneView() {
        let states = DashboardPage.allCases.map { DashboardState(page: $0) }
            + [DashboardState(form: RunForm()), DashboardState(confirm: .restart(runID: 0, name: "x"))]
        for state in states {
            let keys = KeyMap.dashboard.activeBindings(state).flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "duplicate key in \(state.page)")
        }
    }

    @Test func tableDrivesTheHelpBar() {
        var buffer = CellBuffer(width: 80, height: 1)
        KeyHelpBar(bindings: KeyMap.dashboard.activeBindings(DashboardState()), keyStyle: .plain, textStyle: .plain)
            .render(into: &buffer, area: buffer.area)
        #expect(buffer.text == Format.pad(" ? help  q quit  Space pause  p pause all  s stop  n new run  e export", to: 80))
    }

    @Test func helpBarDropsWholeEntriesWhenNarrow() {
        var buffer = CellBuffer(width: 24, height: 1)
        KeyHelpBar(bindings: KeyMap.dashboard.activeBindings(DashboardState()), keyStyle: .plain, textStyle: .plain)
            .render(into: &buffer, area: buffer.area)
        #expect(buffer.text == Format.pad(" ? help  q quit", to: 24))
    }

    @Test func stateFollowsActions() {
        var state = DashboardState()
        #expect(state.apply(.togglePause) == .pauseAll)
        #expect(state.pauseRequested)
        #expect(state.apply(.toggleHelp) == nil)
        #expect(state.showHelp)
        _ = state.apply(.closeOverlay)
        #expect(!state.showHelp)
        #expect(state.apply(.togglePause) == .resumeAll)
        #expect(state.apply(.cycleTheme) == .cycleTheme)
        _ = state.apply(.quit)
        #expect(state == DashboardState(quitRequested: true))
    }

    @Test func loopPausesRunsResizesAndQuits() {
        let board = RunBoard()
        for run in Fixtures.several { board.publish(run) }
        let controls = [0: RunControl(), 1: RunControl(), 2: RunControl()]
        controls[2]!.pause()
        let dashboard = Dashboard(board: board, controls: controls, options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 80, height: 24), input: [
            .key(.character("p")), .key(.character("?")), .key(.escape),
            .resize(Size(width: 40, height: 10)), .resize(Size(width: 80, height: 24)), .key(.character("q")),
        ])
        let exit = dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .palette256),
                                  interrupted: { false })
        #expect(exit == .quit)
        #expect(controls.values.allSatisfy { $0.isPaused })
        let texts = backend.frames.map(\.text)
        #expect(texts.count == 6)
        #expect(texts[1].contains("paused (p resumes)"))
        #expect(texts[2].contains("quit (Ctrl-C too)"))
        #expect(!texts[3].contains("quit (Ctrl-C too)"))
        #expect(texts[4].contains("have 40×10, need 60×16"))
        #expect(backend.frames[5].size == Size(width: 80, height: 24))
        #expect(backend.writes[5].count == 80 * 24)  // after a resize every cell is rewritten
    }

    @Test func loopEndsOnInterruptAndRedrawsOnlyOnNewData() {
        let board = RunBoard()
        board.publish(Fixtures.single[0])
        let dashboard = Dashboard(board: board, controls: [:], options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 80, height: 24))
        var ticks = 0
        let exit = dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .none)) {
            ticks += 1
            if ticks == 3 {
                var run = Fixtures.single[0]
                run.step += 1
                board.publish(run)
            }
            return ticks > 5
        }
        #expect(exit == .interrupted)
        #expect(backend.frames.count == 2)  // the first frame, then one for the new publish
        #expect(backend.frames[1].text.contains("121/2000"))
        #expect(!backend.writes[1].isEmpty && backend.writes[1].count < 80)
    }

    @Test func themeKeyRecolorsTheNextFrameAndSaysWhichTheme() {
        let board = RunBoard()
        board.publish(Fixtures.single[0])
        let dashboard = Dashboard(board: board, controls: [0: RunControl()], options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 80, height: 24), input: [
            .key(.character("t")), .key(.character("t")), .key(.character("q")),
        ])
        _ = dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .truecolor),
                           interrupted: { false })
        #expect(backend.frames[0].cells.allSatisfy { $0.style.bg != Theme.light.mainBg })
        #expect(backend.frames[1].text.contains("theme light"))
        #expect(backend.frames[1].cells.filter { $0.style.bg == Theme.light.mainBg }.count > 80 * 20)
        #expect(backend.frames[2].text.contains("theme high-contrast"))
    }

    @Test func pausingRunsOfAnotherProcessIsRefusedOnTheStatusLine() {
        let board = RunBoard()
        board.publish(Fixtures.single[0])
        let dashboard = Dashboard(board: board, controls: [:], options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 100, height: 24), input: [.key(.character("p")), .key(.character("q"))])
        _ = dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .none),
                           interrupted: { false })
        #expect(backend.frames[1].text.contains("pausing is unavailable here"))
        #expect(!backend.frames[1].text.contains("paused (p resumes)"))
    }

    @Test func mouseEventsReachTheLoopWithoutBreakingIt() {
        let board = RunBoard()
        board.publish(Fixtures.single[0])
        let dashboard = Dashboard(board: board, controls: [:], options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 80, height: 24), input: [
            .mouse(MouseEvent(x: 5, y: 5, kind: .wheelUp)), .mouse(MouseEvent(x: 5, y: 5, kind: .leftClick)),
            .key(.character("q")),
        ])
        #expect(dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .none),
                               interrupted: { false }) == .quit)
    }
}
