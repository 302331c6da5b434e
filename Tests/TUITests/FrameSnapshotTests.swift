import Core
import Testing
@testable import TUI

@Suite("Whole-frame snapshots")
struct FrameSnapshotTests {
    @Test func singleRunAt80x24() {
        let frame = Fixtures.view().render(snapshots: Fixtures.single, size: Size(width: 80, height: 24),
                                           state: DashboardState())
        assertSnapshot(frame.snapshotDump, named: "frame-single-80x24")
    }

    @Test func singleRunAt200x60() {
        let frame = Fixtures.view().render(snapshots: Fixtures.single, size: Size(width: 200, height: 60),
                                           state: DashboardState())
        assertSnapshot(frame.snapshotDump, named: "frame-single-200x60")
    }

    @Test func severalRunsAt80x24() {
        let frame = Fixtures.view().render(snapshots: Fixtures.several, size: Size(width: 80, height: 24),
                                           state: DashboardState())
        assertSnapshot(frame.snapshotDump, named: "frame-several-80x24")
    }

    @Test func severalRunsAt200x60() {
        let frame = Fixtures.view().render(snapshots: Fixtures.several, size: Size(width: 200, height: 60),
                                           state: DashboardState())
        assertSnapshot(frame.snapshotDump, named: "frame-several-200x60")
    }

    @Test func tooSmallScreen() {
        let frame = Fixtures.view().render(snapshots: Fixtures.single, size: Size(width: 40, height: 10),
                                           state: DashboardState())
        assertSnapshot(frame.snapshotDump, named: "frame-too-small-40x10")
        #expect(frame.text.contains("terminal too small:"))
        #expect(frame.text.contains("have 40×10, need 60×16"))
    }

    @Test func asciiGlyphs() {
        let frame = Fixtures.view(glyphs: .ascii).render(snapshots: Fixtures.single,
                                                         size: Size(width: 80, height: 24),
                                                         state: DashboardState())
        assertSnapshot(frame.text + "\n", named: "frame-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
    }

    @Test func monochromeStyles() {
        let frame = Fixtures.view(colorMode: .none).render(snapshots: Fixtures.single,
                                                           size: Size(width: 80, height: 24),
                                                           state: DashboardState(pauseRequested: true))
        assertSnapshot(frame.snapshotDump, named: "frame-monochrome-80x24")
        #expect(frame.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        #expect(frame.row(22).contains("paused"))
    }

    /// What an 8-colour terminal is sent: every colour quantized as the backend does it, so the
    /// six runs and the status bar must still be told apart.
    @Test func eightColourStyles() {
        let mode = ColorMode.basic8
        let frame = Fixtures.view(colorMode: mode).render(snapshots: Fixtures.six, size: Size(width: 80, height: 24),
                                                          state: DashboardState())
        var sent = frame
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                var style = frame[x, y].style
                style.fg = mode.quantized(style.fg)
                style.bg = mode.quantized(style.bg)
                sent.set(x: x, y: y, Cell(frame[x, y].glyph, style: style))
            }
        }
        assertSnapshot(sent.snapshotDump, named: "frame-8-colour-80x24")
        let runColours = Set(Fixtures.six.map { mode.quantized(Fixtures.view(colorMode: mode).palette.run($0.id).fg) })
        #expect(runColours.count >= 5)
    }

    /// The `?` overlay over the Training view: that view's keys first, every one on screen at
    /// 80×24; the keys of the other views as far as they fit, and how many do not.
    @Test func helpOverlay() {
        let state = DashboardState(showHelp: true)
        let frame = Fixtures.view().render(snapshots: Fixtures.single, size: Size(width: 80, height: 24), state: state)
        assertSnapshot(frame.text + "\n", named: "frame-help-80x24")
        for binding in KeyMap.dashboard.activeBindings(state) {
            #expect(frame.text.contains(binding.description))
        }
        #expect(frame.text.contains("more keys in a larger window"))
    }

    @Test func noRunsYet() {
        let frame = Fixtures.view().render(snapshots: [], size: Size(width: 60, height: 16),
                                           state: DashboardState())
        assertSnapshot(frame.text + "\n", named: "frame-empty-60x16")
        #expect(frame.text.contains("waiting for runs"))
    }

    @Test func dashboardRenderFrameIsTheViewsFrame() {
        let dashboard = Dashboard(board: RunBoard(), controls: [:], options: DashboardOptions(theme: .builtIn),
                                  environment: [:])
        let size = Size(width: 80, height: 24)
        #expect(dashboard.renderFrame(snapshots: Fixtures.single, size: size)
                == Fixtures.view().render(snapshots: Fixtures.single, size: size, state: DashboardState()))
    }
}
