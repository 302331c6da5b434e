import Testing
@testable import TUI

@Suite("Cell buffer, colours and canvases")
struct RenderModelTests {
    @Test func writeClipsToTheBufferAndTheClipRect() {
        var buffer = CellBuffer(width: 6, height: 2)
        let end = buffer.write("hello world", x: -2, y: 0)
        #expect(end == 9)
        #expect(buffer.row(0) == "llo wo")
        buffer.write("abc", x: 1, y: 1, clip: Rect(x: 2, y: 1, width: 1, height: 1))
        #expect(buffer.row(1) == "  b   ")
        buffer.write("zzz", x: 0, y: 5)
        #expect(buffer.text == "llo wo\n  b   ")
    }

    @Test func diffListsChangedCellsOrAllAfterAResize() {
        var a = CellBuffer(width: 4, height: 2)
        var b = a
        b.write("x", x: 2, y: 1, style: Style(bold: true))
        #expect(b.diff(against: a) == [CellChange(x: 2, y: 1, cell: Cell("x", style: Style(bold: true)))])
        #expect(b.diff(against: b).isEmpty)
        #expect(b.diff(against: nil).count == 8)
        a = CellBuffer(width: 3, height: 2)
        #expect(b.diff(against: a).count == 8)
    }

    @Test func snapshotDumpListsStyleRuns() {
        var buffer = CellBuffer(width: 5, height: 2)
        buffer.write("ab", x: 1, y: 0, style: Style(fg: .rgb(255, 0, 16), bold: true))
        buffer.write("c", x: 4, y: 1, style: Style(bg: .rgb(1, 2, 3), reverse: true))
        #expect(buffer.snapshotDump == """
            == 5x2 glyphs ==
             ab  
                c
            == styles ==
            0 1..2 fg=#ff0010 bg=default bold
            1 4..4 fg=default bg=#010203 reverse

            """)
    }

    @Test func themeColourSpellings() {
        #expect(Color(themeValue: "#0A0b0C") == .rgb(10, 11, 12))
        #expect(Color(themeValue: "#80") == .rgb(128, 128, 128))
        #expect(Color(themeValue: " 1 2 3 ") == .rgb(1, 2, 3))
        #expect(Color(themeValue: "") == .default)
        #expect(Color(themeValue: "#12345") == nil)
        #expect(Color(themeValue: "red") == nil)
        #expect(Color(themeValue: "1 2 300") == nil)
    }

    @Test func brailleAndAsciiCanvasesEncodeDots() {
        var braille = BrailleCanvas(columns: 2, rows: 1)
        braille.setDot(x: 0, y: 0, style: .plain)
        braille.setDot(x: 3, y: 3, style: Style(bold: true))
        braille.setDot(x: 9, y: 9, style: .plain)
        var buffer = CellBuffer(width: 2, height: 1, filling: Cell("x"))
        braille.render(into: &buffer, origin: DotPoint(x: 0, y: 0))
        #expect(buffer.row(0) == "⠁⢀")
        #expect(buffer[1, 0].style.bold)

        var ascii = AsciiCanvas(columns: 3, rows: 1)
        ascii.setDot(x: 0, y: 0, style: .plain)
        ascii.setDot(x: 1, y: 1, style: .plain)
        ascii.drawLine(from: DotPoint(x: 2, y: 0), to: DotPoint(x: 2, y: 1), style: .plain)
        buffer = CellBuffer(width: 3, height: 1)
        ascii.render(into: &buffer, origin: DotPoint(x: 0, y: 0))
        #expect(buffer.row(0) == "'.:")
    }

    @Test func chartRangesPadAndStayNonNegative() throws {
        let series = [ChartSeries(name: "s", points: [ChartPoint(x: 1, y: 0.5), ChartPoint(x: 3, y: 2.5)],
                                  style: .plain)]
        let ranges = try #require(ChartRanges(series: series, logY: false))
        #expect(ranges.x == 1...3)
        #expect(ranges.y.lowerBound == 0.3)
        #expect(abs(ranges.y.upperBound - 2.7) < 1e-12)
        let flat = [ChartSeries(name: "s", points: [ChartPoint(x: 5, y: 2)], style: .plain)]
        let flatRanges = try #require(ChartRanges(series: flat, logY: false))
        #expect(flatRanges.x == 4...6)
        #expect(abs(flatRanges.y.lowerBound - 1.8) < 1e-12)
        let nothing = [ChartSeries(name: "s", points: [ChartPoint(x: 1, y: .nan)], style: .plain)]
        #expect(ChartRanges(series: nothing, logY: false) == nil)
        #expect(ChartRanges(series: [ChartSeries(name: "s", points: [ChartPoint(x: 1, y: 0)], style: .plain)],
                            logY: true) == nil)
    }

    @Test func formatting() {
        #expect(Format.metric(2.34567) == "2.3457")
        #expect(Format.metric(nil) == "-")
        #expect(Format.metric(.nan) == "nan")
        #expect(Format.metric(123456) == "1.235e+05")
        #expect(Format.count(12_345) == "12.3K")
        #expect(Format.duration(3725) == "1:02:05")
        #expect(Format.scientific(0.0003) == "3.00e-04")
        #expect(Format.wrap("terminal too small: have 4x3", width: 10) == ["terminal", "too small:", "have 4x3"])
        #expect(Format.truncate("abcdef", to: 4) == "abc…")
    }
}
