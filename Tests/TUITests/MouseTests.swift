import Core
import Testing
@testable import TUI

/// Clicks resolve against what the frame drew; the wheel zooms or scrolls.
@Suite("Mouse")
struct MouseTests {
    static let view = Fixtures.view()
    static let size = Size(width: 100, height: 30)

    static func frame(_ state: DashboardState, runs: [RunSnapshot] = Fixtures.six) -> CellBuffer {
        view.render(snapshots: runs, size: size, state: state)
    }

    static func click(_ frame: CellBuffer, where predicate: (HitTarget) -> Bool) -> MouseEvent {
        let region = frame.hitRegions.last { predicate($0.target) }!
        return MouseEvent(x: region.rect.x + 1, y: region.rect.y, kind: .leftClick)
    }

    @Test func clickingARunRowSelectsThatRun() {
        let frame = Self.frame(DashboardState())
        let runIDs = frame.hitRegions.compactMap { if case .run(let id) = $0.target { id } else { nil } }
        #expect(Set(runIDs) == Set(Fixtures.six.map(\.id)))
        let event = Self.click(frame) { $0 == .run(id: 4) }
        let action = Self.view.action(for: event, on: frame, state: DashboardState())
        #expect(action == .selectRun(id: 4))
        var state = DashboardState()
        _ = state.apply(action!, context: DashboardContext(runs: Fixtures.six))
        #expect(state.selectedRun(in: Fixtures.six)?.id == 4)
    }

    @Test func clickingATabSwitchesTheView() {
        let frame = Self.frame(DashboardState())
        let event = Self.click(frame) { $0 == .tab(2) }
        #expect(event.y == 0)
        #expect(Self.view.action(for: event, on: frame, state: DashboardState()) == .showPage(.propagation))
    }

    @Test func clickingALayerRowSelectsIt() {
        let state = DashboardState(page: .layers)
        let frame = Self.frame(state, runs: PageFixtures.runs)
        let event = Self.click(frame) { $0 == .row(5) }
        #expect(Self.view.action(for: event, on: frame, state: state) == .selectRow(5))
    }

    @Test func wheelZoomsTrainingAndScrollsPages() {
        let frame = Self.frame(DashboardState())
        let up = MouseEvent(x: 10, y: 5, kind: .wheelUp), down = MouseEvent(x: 10, y: 5, kind: .wheelDown)
        #expect(Self.view.action(for: up, on: frame, state: DashboardState()) == .zoomIn)
        #expect(Self.view.action(for: down, on: frame, state: DashboardState()) == .zoomOut)
        #expect(Self.view.action(for: down, on: frame, state: DashboardState(page: .compare)) == .selectNextRow)
        #expect(Self.view.action(for: up, on: frame, state: DashboardState(showHelp: true)) == nil)
        #expect(Self.view.action(for: MouseEvent(x: 0, y: 29, kind: .leftClick), on: frame, state: DashboardState()) == nil)
    }
}
