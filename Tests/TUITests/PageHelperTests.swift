import Core
import Testing
@testable import TUI

@Suite("Page helpers")
struct PageHelperTests {
    @Test func shortModuleNames() {
        #expect(ModuleName.short("blocks.0.attn.q") == "0.q")
        #expect(ModuleName.short("blocks.12.mlp.down") == "12.down")
        #expect(ModuleName.short("blocks.1.attn_norm") == "1.attn_norm")
        #expect(ModuleName.short("blocks.1.attn") == "1.attn")
        #expect(ModuleName.short("final_norm") == "final_norm")
        #expect(ModuleName.short("blocks.x.attn.q") == "blocks.x.attn.q")
        #expect(ModuleName.short("blocks.2.attn.o.input_quant") == "2.o.in")
        #expect(ModuleName.short("blocks.0.attn.qkv.input_quant") == "0.qkv.in")
    }

    @Test func fittedNumbers() {
        #expect(Format.fit(12.3456, width: 8) == "12.35")
        #expect(Format.fit(0.0123456, width: 8) == "0.01235")
        #expect(Format.fit(0.0123456, width: 5) == "0.012")
        #expect(Format.fit(1.234e-5, width: 8) == "1.234e-5")
        #expect(Format.fit(1.234e-5, width: 6) == "1.2e-5")
        #expect(Format.fit(123456, width: 7) == "1.235e5")
        #expect(Format.fit(-0.0, width: 4) == "0")
        #expect(Format.fit(nil, width: 4) == "-")
        #expect(Format.fit(.nan, width: 4) == "nan")
        #expect(Format.shortScientific(0.00352) == "3.52e-3")
        #expect(Format.shortScientific(12) == "1.20e1")
        #expect(Format.shortScientific(-0.0) == "0")
        #expect(Format.padLeft("ab", to: 4) == "  ab")
        #expect(Format.padLeft("abcdef", to: 4) == "abcd")
    }

    @Test func exportNumbersAndNames() {
        #expect(ExportTable.number(0.1) == "0.1")
        #expect(ExportTable.number(1e-5) == "1e-05")
        #expect(ExportTable.number(nil) == "")
        #expect(ExportTable.number(-.infinity) == "-inf")
        #expect(ExportTable.snakeCase("adamw-qat/tiny") == "adamw_qat_tiny")
        #expect(ExportTable.snakeCase(" Muon  (x) ") == "muon_x")
    }

    @Test func rowWindowsKeepTheSelectionVisible() {
        #expect(RowWindow(count: 10, selected: 0, visible: 4).range == 0..<4)
        #expect(RowWindow(count: 10, selected: 5, visible: 4).range == 3..<7)
        #expect(RowWindow(count: 10, selected: 9, visible: 4).range == 6..<10)
        #expect(RowWindow(count: 10, selected: 99, visible: 4).range == 6..<10)
        #expect(RowWindow(count: 3, selected: 1, visible: 8).range == 0..<3)
        #expect(RowWindow(count: 5, selected: 2, visible: -1).range.isEmpty)
        #expect(RowWindow(count: 0, selected: 0, visible: 5).range == 0..<0)
        #expect(RowWindow(count: 10, selected: 5, visible: 4).label(glyphs: .ascii) == "4-7 of 10")
        #expect(RowWindow(count: 3, selected: 1, visible: 8).label(glyphs: .braille) == "")
    }

    @Test func heatScalePlacesPositiveValuesOnALogScale() {
        let positions = HeatScale.positions([1, 10, 100, nil])
        #expect(positions.count == 4)
        #expect(positions[0] == 0 && positions[2] == 1 && positions[3] == nil)
        #expect(abs(positions[1]! - 0.5) < 1e-12)
        #expect(HeatScale.positions([3, 3]) == [0.5, 0.5])
    }

    @Test func heatScaleRanksGroupsWithNegatives() {
        #expect(HeatScale.choose(for: [-1, 2, 50]) == .rank)
        #expect(HeatScale.positions([-1, 50, 2, 2]) == [0, 1, 0.5, 0.5])
    }

    @Test func heatRampBrightensAndFallsBackToShading() {
        let ramp = HeatRamp(palette: PageFixtures.palette(), glyphs: .braille)
        #expect(ramp.usesColor)
        #expect(ramp.style(0).bg != ramp.style(1).bg)
        #expect(ramp.style(1).bg == PageFixtures.palette().heat(1).fg)
        #expect(ramp.style(0).fg == .rgb(0xff, 0xff, 0xff) && ramp.style(1).fg == .rgb(0, 0, 0))
        #expect(ramp.style(.nan) == ramp.style(0) && ramp.style(7) == ramp.style(1))
        let mono = HeatRamp(palette: PageFixtures.palette(.none), glyphs: .braille)
        #expect(!mono.usesColor)
        #expect([0, 0.3, 0.6, 1].map(mono.shade) == ["░", "▒", "▓", "█"])
        #expect(HeatRamp(palette: PageFixtures.palette(.none), glyphs: .ascii).shade(1) == "@")
        #expect(mono.legend(width: 4).map(\.glyph) == ["░", "▒", "▓", "█"])
        #expect(ramp.legend(width: 0).isEmpty)
    }

    @Test func heatRampStaysDistinctInEightColours() {
        let ramp = HeatRamp(palette: PageFixtures.palette(.basic8), glyphs: .braille)
        let colours = [0, 0.25, 0.5, 0.75, 1].map { ColorMode.basic8.terminalColor(for: ramp.style($0).bg) }
        // Eight colours cannot hold five ramp stops; the ends and the middle must still differ.
        #expect(Set([colours[0], colours[2], colours[4]]).count == 3)
    }

    @Test func logScaleBars() {
        let scale = LogScale(values: [0.002, 0.3, 0, .nan])!
        #expect(scale.lowLabel == "1e-3" && scale.highLabel == "1e0")
        #expect(scale.length(of: 1, width: 30) == 30)
        #expect(scale.length(of: 0.01, width: 30) == 10)
        #expect(scale.length(of: 0.001, width: 30) == 1)
        #expect(scale.length(of: 0, width: 30) == 0)
        #expect(LogScale(values: [0, -1]) == nil)
        #expect(LogScale(values: [0.5])!.highDecade == 0)
    }

    @Test func abcSegmentsFillTheBarByShare() {
        let segments = ABCBar.segments(a: 0.8, b: 0.15, c: 0.05, length: 20)
        #expect(segments.map(\.part) == [.propagated, .local, .interaction])
        #expect(segments.map(\.cells) == [16, 3, 1])
        // A small local error keeps one cell; a negative interaction is drawn as cancelling.
        let small = ABCBar.segments(a: 0.97, b: 0.02, c: -0.01, length: 10)
        #expect(small.map(\.part) == [.propagated, .local])
        #expect(small.map(\.cells).reduce(0, +) == 10)
        #expect(ABCBar.segments(a: 0.5, b: 0.2, c: -0.3, length: 10).last!.part == .cancelling)
        #expect(ABCBar.segments(a: 0, b: 0, c: 0, length: 10).isEmpty)
        #expect(ABCBar.segments(a: 1, b: 1, c: 1, length: 0).isEmpty)
    }

    @Test func sparklines() {
        func line(_ values: [Double], _ glyphs: GlyphSet = .braille, width: Int) -> String {
            Sparkline(values: values, glyphs: glyphs, style: .plain).text(width: width)
        }
        #expect(line([1, 2, 3, 4, 5, 6, 7, 8], width: 8) == "▁▂▃▄▅▆▇█")
        #expect(line([1, 2, 3, 4, 5], .ascii, width: 8) == "_.-~^")
        #expect(line([2, 2, 2], width: 3) == "▅▅▅")
        #expect(line([1, .nan, 3], width: 3) == "▁ █")
        // Eight values into four columns: bucket means 1.5, 3.5, 5.5, 7.5.
        #expect(line([1, 2, 3, 4, 5, 6, 7, 8], width: 4) == "▁▃▆█")
        #expect(line([], width: 4) == "")
    }

    @Test func runLabelsAreShortUnlessAmbiguous() {
        let runs = PageFixtures.runs
        #expect(RunLabel.short(runs[0], among: runs) == "adamw")
        #expect(RunLabel.short(runs[5], among: runs) == "adamw qat")
        var twin = runs[0]
        twin.id = 9
        twin.name = "adamw/small"
        #expect(RunLabel.short(twin, among: runs + [twin]) == "adamw/small")
    }

    @Test func flowTextWrapsBetweenChunks() {
        let flow = FlowText(chunks: ["aaaa", "bbb", "cc"].map { FlowText.chunk($0, .plain) })
        #expect(flow.rowCount(width: 9) == 2)
        var buffer = CellBuffer(width: 9, height: 2)
        flow.render(into: &buffer, area: buffer.area)
        #expect(buffer.text == "aaaa  bbb\ncc       ")
    }
}
