import Testing
@testable import TUI

/// The real backend on /dev/null: ncurses draws into its virtual screen, which is read back
/// cell by cell, so the glyph and colour plumbing is checked without a terminal.
@Suite("ncurses backend, headless", .serialized)
struct NcursesBackendTests {
    @Test func writesGlyphsAttributesAndColours() throws {
        let backend = try NcursesBackend(headless: Size(width: 20, height: 5))
        defer { backend.close() }
        #expect(backend.size == Size(width: 20, height: 5))
        #expect(backend.colorCount == 256)
        backend.colorMode = .palette256
        var frame = CellBuffer(width: 20, height: 5)
        frame.write("⣀⣤⣶⣿ ok", x: 3, y: 2, style: Style(fg: .rgb(255, 0, 0), bold: true))
        frame.write("╭─╮", x: 17, y: 4)
        backend.present(frame)

        let row = (0..<20).map { backend.screenCell(x: $0, y: 2)?.glyph ?? "?" }
        #expect(String(row) == "   ⣀⣤⣶⣿ ok          ")
        let red = try #require(backend.screenCell(x: 3, y: 2))
        #expect(red.bold)
        #expect(red.pair > 0)
        let plain = try #require(backend.screenCell(x: 17, y: 4))
        #expect(plain.glyph == "╭")
        #expect(!plain.bold && plain.pair == 0)

        frame.write("  ", x: 3, y: 2)
        backend.present(frame)
        #expect(backend.screenCell(x: 3, y: 2)?.glyph == " ")
        #expect(backend.screenCell(x: 5, y: 2)?.glyph == "⣶")
    }

    @Test func unknownTerminalTypeIsAnError() {
        #expect(throws: (any Error).self) {
            _ = try NcursesBackend(headless: Size(width: 10, height: 3), terminalType: "no-such-term")
        }
    }
}
