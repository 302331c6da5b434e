import Core
import Testing
@testable import TUI

/// Every widget must draw at any size, down to nothing, without trapping and without
/// touching cells outside its area (ratatui's small-area test, plus a fence check).
@Suite("Widgets at tiny and odd sizes")
struct SizeSweepTests {
    static let palette = Palette(theme: .builtIn, colorMode: .palette256)

    static func widgets(_ glyphs: GlyphSet) -> [(String, any Widget)] {
        let run = Fixtures.single[0]
        let series = TrainingCurves(runs: Fixtures.several, selectedID: 1, settings: ChartSettings(), palette: palette).series
        return [
            ("LineChart", LineChart(series: series, xLabel: "step", glyphs: glyphs, axisStyle: palette.axis,
                                    labelStyle: palette.dim)),
            ("LineChart empty", LineChart(series: [], xLabel: "step", glyphs: glyphs, axisStyle: palette.axis,
                                          labelStyle: palette.dim)),
            ("LineChart log", LineChart(series: series, xLabel: "step", logY: true, glyphs: glyphs,
                                        axisStyle: palette.axis, labelStyle: palette.dim)),
            ("Panel", Panel(title: "loss", glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)),
            ("KeyHelpBar", KeyHelpBar(bindings: KeyMap.dashboard.bindings, keyStyle: palette.highlight,
                                      textStyle: palette.dim)),
            ("RunStats", RunStats(run: run, palette: palette)),
            ("RunTable", RunTable(runs: Fixtures.several, palette: palette, glyphs: glyphs)),
            ("StatusLine", StatusLine(left: "running", right: "braille", style: palette.statusBar)),
            ("TitleBar", TitleBar(title: "qscope", summary: "adamw/tiny", style: palette.statusBar)),
            ("TooSmallScreen", TooSmallScreen(have: Size(width: 1, height: 1), need: Size(width: 60, height: 16),
                                              glyphs: glyphs, style: palette.text, emphasis: palette.warn)),
            ("HelpOverlay", HelpOverlay(bindings: KeyMap.dashboard.bindings, notes: ["Ctrl-C also quits"],
                                        glyphs: glyphs, palette: palette)),
            ("Help view", HelpOverlay(bindings: KeyMap.dashboard.bindings, notes: [], glyphs: glyphs, palette: palette,
                                      fill: true)),
            ("RunTable sorted", RunTable(runs: Fixtures.several, palette: palette, glyphs: glyphs, selectedID: 2,
                                         sort: RunSort(key: .valLoss, reversed: true))),
            ("RunFormView", RunFormView(form: RunForm(), glyphs: glyphs, palette: palette)),
            ("TrainingPage", TrainingPage(runs: Fixtures.several, state: DashboardState(selectedRun: 1),
                                          palette: palette, glyphs: glyphs)),
            ("TitleBar tabs", TitleBar(title: "qscope", summary: "3 runs", style: palette.statusBar,
                                       tabs: ["1 Training", "2 Layers"], activeTab: 1)),
        ]
    }

    static let fence = Cell("x", style: Style(fg: .rgb(1, 2, 3)))

    @Test(arguments: GlyphSet.allCases)
    func widgetsStayInsideTinyAreas(glyphs: GlyphSet) {
        for (name, widget) in Self.widgets(glyphs) {
            for width in 0...12 {
                for height in 0...9 {
                    var buffer = CellBuffer(width: 20, height: 15, filling: Self.fence)
                    let area = Rect(x: 3, y: 2, width: width, height: height)
                    widget.render(into: &buffer, area: area)
                    for y in 0..<buffer.height {
                        for x in 0..<buffer.width where !area.contains(x: x, y: y) {
                            #expect(buffer[x, y] == Self.fence, "\(name) at \(width)x\(height) wrote (\(x),\(y))")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: GlyphSet.allCases)
    func widgetsDrawAtTheEdgeOfTheBuffer(glyphs: GlyphSet) {
        for (_, widget) in Self.widgets(glyphs) {
            for size in [0, 1, 2] {
                var buffer = CellBuffer(width: size, height: size)
                widget.render(into: &buffer, area: buffer.area)
                // An area sticking out of the buffer is clipped, not trusted.
                widget.render(into: &buffer, area: Rect(x: -1, y: -1, width: size + 3, height: size + 3))
            }
        }
    }

    @Test(arguments: [(0, 0), (1, 1), (2, 2), (59, 16), (60, 15), (60, 16), (80, 24), (200, 60), (300, 100)])
    func wholeFramesAtAnySize(width: Int, height: Int) {
        let size = Size(width: width, height: height)
        for runs in [[], Fixtures.single, Fixtures.several] {
            let states = [
                DashboardState(), DashboardState(showHelp: true, pauseRequested: true, notice: "note"),
                DashboardState(form: RunForm()), DashboardState(confirm: .stop(runID: 0, name: "adamw/tiny")),
            ] + DashboardPage.allCases.map { DashboardState(page: $0, selectedRun: 9) }
            for state in states {
                let frame = Fixtures.view().render(snapshots: runs, size: size, state: state)
                #expect(frame.size == size)
            }
        }
    }
}
