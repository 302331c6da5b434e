import Core
import Testing
@testable import TUI

/// The pages, like every widget, must draw at any size without trapping or writing outside
/// their area, whatever the data and mode.
@Suite("Pages at tiny and odd sizes")
struct PageSizeSweepTests {
    static func pages(_ glyphs: GlyphSet, _ colorMode: ColorMode) -> [(String, any Widget)] {
        let palette = PageFixtures.palette(colorMode)
        return [PageFixtures.runs, PageFixtures.unprobed, []].flatMap { runs -> [(String, any Widget)] in
            [false, true].flatMap { sideBySide -> [(String, any Widget)] in
                [("Layers", LayersPage(runs: runs, selectedRun: 1, selectedRow: 7, selectedMetric: 2,
                                       sideBySide: sideBySide, showValues: true, palette: palette, glyphs: glyphs)),
                 ("Propagation", PropagationPage(runs: runs, selectedRun: 1, selectedRow: 20, sideBySide: sideBySide,
                                                 palette: palette, glyphs: glyphs)),
                 ("Compare", ComparePage(runs: runs, selectedRow: 3, palette: palette, glyphs: glyphs))]
            }
        } + quantizePages(glyphs, palette)
    }

    /// The Quantize view measured, busy, failed and with nothing yet, on runs with and without
    /// a probe history.
    static func quantizePages(_ glyphs: GlyphSet, _ palette: Palette) -> [(String, any Widget)] {
        var busy = QuantizeFixtures.status
        busy.busy = "evaluating"
        busy.busyRun = 0
        let statuses = [QuantizeFixtures.status, busy, QuantizeStatus(failures: [0: "no weights"]), QuantizeStatus()]
        return [QuantizeFixtures.runs, PageFixtures.runs, []].flatMap { runs in
            statuses.map { status -> (String, any Widget) in
                ("Quantize", QuantizePage(runs: runs, selectedRun: 0, selectedRow: 11,
                                          state: QuantizeState(plans: [0: QuantizeFixtures.plan], scope: .kind),
                                          status: status, palette: palette, glyphs: glyphs))
            }
        }
    }

    @Test(arguments: [(GlyphSet.braille, ColorMode.truecolor), (.ascii, .none)])
    func pagesStayInsideTheirArea(glyphs: GlyphSet, colorMode: ColorMode) {
        let fence = SizeSweepTests.fence
        for (name, page) in Self.pages(glyphs, colorMode) {
            for (width, height) in [(0, 0), (1, 1), (2, 2), (5, 3), (12, 9), (30, 7), (41, 13), (61, 17), (79, 23)] {
                var buffer = CellBuffer(width: width + 6, height: height + 4, filling: fence)
                let area = Rect(x: 3, y: 2, width: width, height: height)
                page.render(into: &buffer, area: area)
                for y in 0..<buffer.height {
                    for x in 0..<buffer.width where !area.contains(x: x, y: y) {
                        #expect(buffer[x, y] == fence, "\(name) at \(width)x\(height) wrote (\(x),\(y))")
                    }
                }
            }
        }
    }

    @Test func pagesClipToTheBuffer() {
        for (_, page) in Self.pages(.braille, .palette256) {
            for size in [0, 1, 2, 7] {
                var buffer = CellBuffer(width: size, height: size)
                page.render(into: &buffer, area: Rect(x: -1, y: -1, width: size + 60, height: size + 30))
            }
        }
    }
}
