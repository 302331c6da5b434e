import Core
import Testing
@testable import TUI

@Suite("Propagation page")
struct PropagationPageTests {
    static func page(_ runs: [RunSnapshot] = PageFixtures.runs, run: Int = 0, row: Int = 0, sideBySide: Bool = false,
                     colorMode: ColorMode = .truecolor, glyphs: GlyphSet = .braille) -> PropagationPage {
        PropagationPage(runs: runs, selectedRun: run, selectedRow: row, sideBySide: sideBySide,
                        palette: PageFixtures.palette(colorMode), glyphs: glyphs)
    }

    static func frame(_ page: PropagationPage, width: Int = 80, height: Int = 24) -> CellBuffer {
        PageFixtures.frame(page, width: width, height: height, palette: page.palette)
    }

    @Test func oneRunAt80x24() {
        let frame = Self.frame(Self.page(row: 7))
        assertSnapshot(frame.snapshotDump, named: "propagation-80x24")
        #expect(frame.row(0).contains("R_L 1.55e-2"))
        #expect(frame.text.contains("R 6.23e-3 = A 6.23e-3 + B 0 + C 0"))
    }

    @Test func oneRunAt200x60() {
        let frame = Self.frame(Self.page(row: 34), width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "propagation-200x60")
        // The output row (R_L) is set apart in the title style.
        let head = frame.text.split(separator: "\n").firstIndex { $0.contains("▸head") }!
        #expect(frame.styleRuns.contains { $0.y == head && $0.style == PageFixtures.palette().title })
    }

    @Test func chartBelowTheTableOnTallScreens() {
        let frame = Self.frame(Self.page(row: 10), width: 120, height: 40)
        assertSnapshot(frame.text + "\n", named: "propagation-120x40")
        #expect(frame.text.contains("R across modules, log scale"))
        #expect(!Self.frame(Self.page(row: 10), width: 120, height: 29).text.contains("R across modules"))
    }

    @Test func sideBySideAt80x24() {
        let frame = Self.frame(Self.page(run: 1, row: 7, sideBySide: true))
        assertSnapshot(frame.snapshotDump, named: "propagation-side-80x24")
        #expect(frame.text.contains(" R_L "))
        #expect(frame.text.contains("muon:"))
    }

    @Test func sideBySideAt200x60() {
        let frame = Self.frame(Self.page(row: 12, sideBySide: true), width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "propagation-side-200x60")
    }

    @Test func asciiMonochrome() {
        let frame = Self.frame(Self.page(row: 3, colorMode: .none, glyphs: .ascii))
        assertSnapshot(frame.text + "\n", named: "propagation-mono-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
        #expect(frame.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        // Parts of the bar stay apart by glyph alone.
        #expect(frame.text.contains("#") && frame.text.contains("=") && frame.text.contains("/"))
    }

    @Test func emptyStates() {
        let waiting = Self.frame(Self.page(PageFixtures.unprobed))
        assertSnapshot(waiting.text + "\n", named: "propagation-empty-80x24")
        #expect(waiting.text.contains("no error propagation yet"))
        let sideBySide = Self.frame(Self.page(PageFixtures.unprobed, sideBySide: true))
        #expect(sideBySide.text.contains("no error propagation yet"))
        #expect(Self.frame(Self.page([])).text.contains("waiting for runs"))
    }

    @Test func selectionIsClamped() {
        #expect(Self.frame(Self.page(run: 4, row: 999)) == Self.frame(Self.page(run: 4, row: 34)))
        #expect(Self.frame(Self.page(row: -5, sideBySide: true)) == Self.frame(Self.page(row: 0, sideBySide: true)))
    }

    @Test func rowCounts() {
        #expect(PropagationPage.rowCount(runs: PageFixtures.runs, selectedRun: 0, sideBySide: false) == 35)
        #expect(PropagationPage.rowCount(runs: PageFixtures.runs, selectedRun: 5, sideBySide: false) == 0)
        #expect(PropagationPage.rowCount(runs: PageFixtures.runs, selectedRun: 5, sideBySide: true) == 35)
        #expect(PropagationPage.rowCount(runs: [], selectedRun: 0, sideBySide: false) == 0)
    }

    @Test func exportsEveryModuleOfTheChosenRun() {
        let table = Self.page(run: 1).exportTable
        #expect(table.header == PropagationPage.moduleHeader)
        #expect(table.rows.count == 35)
        let first = table.rows[0], q = table.rows[1]
        #expect(first[0...4] == ["muon/tiny", "120", "blocks.0.attn.qkv.input_quant", "input_quant", "0"])
        #expect(first[10] == "")  // no gain without input error
        #expect(q[2] == "blocks.0.attn.q" && !q[11].isEmpty && !q[12].isEmpty)
        #expect(table.rows.last![2...4] == ["head", "head", ""])
        #expect(Double(table.rows.last![5]) == PageFixtures.runs[1].propagation!.outputError)
    }

    @Test func exportsSideBySideRPerRun() {
        let table = Self.page(sideBySide: true).exportTable
        #expect(table.header == ["module", "r_adamw_tiny", "r_muon_tiny", "r_shampoo_tiny", "r_soap_tiny",
                                 "r_scion_tiny", "r_adamw_qat_tiny"])
        #expect(table.rows.count == 35)
        #expect(table.rows.allSatisfy { $0.last == "" })
    }
}
