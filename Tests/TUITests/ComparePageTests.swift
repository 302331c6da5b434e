import Core
import Testing
@testable import TUI

@Suite("Compare page")
struct ComparePageTests {
    static func page(_ runs: [RunSnapshot] = PageFixtures.runs, row: Int = 0, colorMode: ColorMode = .truecolor,
                     glyphs: GlyphSet = .braille) -> ComparePage {
        ComparePage(runs: runs, selectedRow: row, palette: PageFixtures.palette(colorMode), glyphs: glyphs)
    }

    static func frame(_ page: ComparePage, width: Int = 80, height: Int = 24) -> CellBuffer {
        PageFixtures.frame(page, width: width, height: height, palette: page.palette)
    }

    @Test func at80x24() {
        let frame = Self.frame(Self.page(row: 1))
        assertSnapshot(frame.snapshotDump, named: "compare-80x24")
        #expect(frame.text.contains("R_L                       5    +0.97    +1.00"))
    }

    @Test func at200x60() {
        let frame = Self.frame(Self.page(row: 1), width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "compare-200x60")
        #expect(frame.row(1).contains("+gptq") && frame.row(1).contains("qat val") && frame.row(1).contains("rms-kurt"))
    }

    @Test func asciiMonochrome() {
        let frame = Self.frame(Self.page(row: 2, colorMode: .none, glyphs: .ascii))
        assertSnapshot(frame.snapshotDump, named: "compare-mono-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
        #expect(frame.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
    }

    @Test func bestValuePerColumnIsHighlighted() {
        let frame = Self.frame(Self.page())
        let highlight = PageFixtures.palette().highlight
        func highlighted(_ text: String) -> Bool {
            let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let y = lines.firstIndex(where: { $0.contains(text) }), let found = lines[y].range(of: text)
            else { return false }
            return frame[lines[y].distance(from: lines[y].startIndex, to: found.lowerBound), y].style == highlight
        }
        #expect(highlighted("+0.120"))  // shampoo: the smallest RTN loss increase
        #expect(highlighted("2.180"))  // muon: the best full-precision loss
        #expect(highlighted("9.90e-3"))  // shampoo: the lowest R_L
        #expect(!highlighted("+0.640"))
    }

    @Test func fewerThanThreeRunsCannotBeCorrelated() {
        let frame = Self.frame(Self.page(Array(PageFixtures.runs.prefix(2))))
        #expect(frame.text.contains("n/a (needs ≥3 runs with PTQ)"))
        #expect(Self.frame(Self.page(PageFixtures.threeRuns)).text.contains("R_L                       3"))
        #expect(Self.frame(Self.page(Array(PageFixtures.runs.prefix(2)), glyphs: .ascii)).text
            .contains("n/a (needs >=3 runs with PTQ)"))
    }

    @Test func emptyStates() {
        let unprobed = Self.frame(Self.page(PageFixtures.unprobed))
        assertSnapshot(unprobed.text + "\n", named: "compare-unprobed-80x24")
        #expect(unprobed.text.contains("n/a (needs ≥3 runs with PTQ)"))
        #expect(Self.frame(Self.page([])).text.contains("waiting for runs"))
    }

    @Test func rowsScrollToTheSelection() {
        let many = (0..<20).map { PageFixtures.run(id: $0, profile: PageFixtures.profiles[$0 % 5]) }
        let frame = Self.frame(Self.page(many, row: 19))
        #expect(frame.text.contains("▸━━ scion/tiny"))
        #expect(frame.text.contains("of 20"))
        #expect(Self.frame(Self.page(many, row: 99)) == frame)
        #expect(ComparePage.rowCount(runs: many) == 20)
    }

    @Test func rowsComputeIncreasesAndTheQATGap() {
        let rows = CompareRow.rows(PageFixtures.runs)
        #expect(abs(rows[1].rtnIncrease! - 0.64) < 1e-12)
        #expect(abs(rows[1].gptqIncrease! - 0.64 * 0.55) < 1e-12)
        #expect(rows[2].gptqIncrease == nil)
        #expect(rows[5].fullPrecisionLoss == nil)
        #expect(abs(rows[5].qatGap! - 0.06) < 1e-12)
        #expect(rows[0].qatGap == nil)
        #expect(rows[5].meanMMR == nil && rows[5].outputError == nil)
        let report = PageFixtures.runs[0].layers!
        let mmr = (0..<report.layers.count).map { report.value(.mmr, layer: $0) }
        #expect(abs(rows[0].meanMMR! - mmr.reduce(0, +) / Double(mmr.count)) < 1e-12)
    }

    @Test func exports() {
        let page = Self.page()
        #expect(page.exportTable.header == ["run", "optimizer", "model", "qat", "fp_val_loss", "rtn_increase",
                                            "gptq_increase", "qat_val_loss", "qat_gap", "mean_mmr", "mean_kurtosis",
                                            "mean_rms_kurtosis", "r_l"])
        #expect(page.exportTable.rows.count == 6)
        #expect(page.exportTable.rows[5][0...4] == ["adamw-qat/tiny", "adamw", "tiny", "quest w4a4", ""])
        #expect(page.predictorTable.header == ["statistic", "runs", "pearson", "spearman"])
        #expect(page.predictorTable.rows.map(\.[0]) == ["mean_mmr", "mean_kurtosis", "mean_rms_kurtosis", "r_l"])
        #expect(page.predictorTable.rows[3][1] == "5")
        #expect(Self.page(PageFixtures.unprobed).predictorTable.rows[0][2...3] == ["", ""])
    }
}
