import Core
import Testing
@testable import TUI

@Suite("Layers page")
struct LayersPageTests {
    static func page(_ runs: [RunSnapshot] = PageFixtures.runs, run: Int = 0, row: Int = 0, metric: Int = 0,
                     sideBySide: Bool = false, showValues: Bool = true, colorMode: ColorMode = .truecolor,
                     glyphs: GlyphSet = .braille) -> LayersPage {
        LayersPage(runs: runs, selectedRun: run, selectedRow: row, selectedMetric: metric, sideBySide: sideBySide,
                   showValues: showValues, palette: PageFixtures.palette(colorMode), glyphs: glyphs)
    }

    static func frame(_ page: LayersPage, width: Int = 80, height: Int = 24) -> CellBuffer {
        PageFixtures.frame(page, width: width, height: height, palette: page.palette)
    }

    @Test func oneRunAt80x24() {
        let frame = Self.frame(Self.page(row: 5, metric: 1))
        assertSnapshot(frame.snapshotDump, named: "layers-80x24")
        #expect(frame.text.contains("blocks.0.mlp.down  kurt 48.0000"))
        #expect(frame.text.contains("1–16 of 18"))
    }

    /// The down projection's relu² input is mostly zeros: its MMR is unbounded, and says so.
    @Test func unboundedValuesReadInf() {
        var run = PageFixtures.runs[0]
        let report = run.layers!
        var columns = report.columns
        columns[.mmr]![5] = .infinity  // row 5 is 0.down
        run.record(ProbeReport(layers: LayerReport(step: report.step + 1, layers: report.layers, columns: columns)))
        let frame = Self.frame(Self.page([run]))
        let row = frame.text.split(separator: "\n").first { $0.contains("0.down") }.map(String.init) ?? ""
        #expect(row.contains("inf"), "\(row)")
    }

    @Test func oneRunAt200x60() {
        let frame = Self.frame(Self.page(row: 11, metric: 5), width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "layers-200x60")
    }

    @Test func sideBySideAt80x24() {
        let frame = Self.frame(Self.page(run: 1, row: 17, sideBySide: true))
        assertSnapshot(frame.snapshotDump, named: "layers-side-80x24")
        #expect(frame.row(1).contains("adamw qat"))
        #expect(frame.text.contains("3–18 of 18"))
    }

    @Test func sideBySideAt200x60() {
        let frame = Self.frame(Self.page(run: 1, row: 4, metric: 1, sideBySide: true), width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "layers-side-200x60")
    }

    @Test func asciiGlyphs() {
        let frame = Self.frame(Self.page(row: 5, glyphs: .ascii))
        assertSnapshot(frame.snapshotDump, named: "layers-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
    }

    @Test func monochromeShadesByGlyph() {
        let frame = Self.frame(Self.page(row: 5, colorMode: .none))
        assertSnapshot(frame.snapshotDump, named: "layers-mono-80x24")
        #expect(frame.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        #expect(frame.row(7).contains("██     61"))
        // The selected cell still stands out without colour.
        #expect(frame.styleRuns.contains { $0.y == 7 && $0.style.reverse })
    }

    @Test func monochromeAsciiWithoutValues() {
        let frame = Self.frame(Self.page(row: 5, showValues: false, colorMode: .none, glyphs: .ascii))
        assertSnapshot(frame.text + "\n", named: "layers-mono-ascii-novalues-80x24")
        #expect(!frame.row(2).contains("7.2"))
    }

    @Test func colourCellsHaveAHeatBackgroundAndReadableText() {
        let frame = Self.frame(Self.page(row: 0, showValues: true))
        let low = frame.styleRuns.first { $0.y == 5 && $0.x0 > 8 }!.style  // 0.o: the smallest MMR
        let high = frame.styleRuns.first { $0.y == 7 && $0.x0 > 8 }!.style  // 0.down: an outlier layer
        #expect(low.bg != high.bg)
        #expect(low.fg == .rgb(0xff, 0xff, 0xff))
        #expect(high.fg == .rgb(0, 0, 0))
    }

    @Test func emptyStates() {
        let waiting = Self.frame(Self.page(PageFixtures.unprobed))
        assertSnapshot(waiting.text + "\n", named: "layers-empty-80x24")
        #expect(waiting.text.contains("no layer statistics yet: they appear after the first probe"))
        #expect(waiting.text.contains("(press m to measure now)"))
        #expect(Self.frame(Self.page([])).text.contains("waiting for runs"))
        // The QAT fixture run has no probe results either.
        #expect(Self.frame(Self.page(run: 5)).text.contains("no layer statistics yet"))
    }

    @Test func selectionIsClamped() {
        let far = Self.frame(Self.page(run: 99, row: 999, metric: 99, sideBySide: true))
        #expect(far == Self.frame(Self.page(run: 5, row: 17, metric: 5, sideBySide: true)))
        let before = Self.frame(Self.page(run: -3, row: -1, metric: -2))
        #expect(before == Self.frame(Self.page(run: 0, row: 0, metric: 0)))
    }

    @Test func runsAreChosenInIdOrder() {
        let shuffled = Array(PageFixtures.runs.reversed())
        #expect(Self.frame(Self.page(shuffled, run: 1)) == Self.frame(Self.page(run: 1)))
        #expect(Self.frame(Self.page(run: 1)).row(0).contains("muon/tiny"))
    }

    @Test func rowCounts() {
        #expect(LayersPage.rowCount(runs: PageFixtures.runs, selectedRun: 0, sideBySide: false) == 18)
        #expect(LayersPage.rowCount(runs: PageFixtures.runs, selectedRun: 5, sideBySide: false) == 0)
        #expect(LayersPage.rowCount(runs: PageFixtures.runs, selectedRun: 5, sideBySide: true) == 18)
        #expect(LayersPage.rowCount(runs: [], selectedRun: 0, sideBySide: true) == 0)
        #expect(LayersPage.metricCount == 6)
    }

    @Test func exportsEveryMetricOfTheChosenRun() {
        let table = Self.page(run: 2).exportTable
        #expect(table.header == ["run", "step", "layer", "mmr", "kurtosis", "rms_kurtosis", "rms", "absmax",
                                 "quant_error"])
        #expect(table.rows.count == 18)
        let report = PageFixtures.runs[2].layers!
        #expect(table.rows[5] == ["shampoo/tiny", "120", "blocks.0.mlp.down"]
            + LayerMetric.allCases.map { "\(report.value($0, layer: 5))" })
    }

    @Test func exportsSideBySideOneColumnPerRun() {
        let table = Self.page(metric: 0, sideBySide: true).exportTable
        #expect(table.header == ["layer", "metric", "adamw_tiny", "muon_tiny", "shampoo_tiny", "soap_tiny",
                                 "scion_tiny", "adamw_qat_tiny"])
        #expect(table.rows.count == 18)
        #expect(table.rows[0][0...2] == ["blocks.0.attn.q", "mmr", "7.2"])
        #expect(table.rows[0].last == "")
    }

    @Test func historyOfTheSelectedCell() {
        let grid = Self.page(row: 5, metric: 0).grid
        #expect(grid.selectionHistory().map(\.step) == [30, 60, 90, 120])
        let values = grid.selectionHistory().map(\.value)
        #expect(values == values.sorted())
        #expect(values.last == 61)
    }
}
