import CNcursesw
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

/// The key codes and button masks `CursesCodes` spells out are the ones the header defines.
@Suite("ncurses codes")
struct CursesCodesTests {
    @Test func keyCodesMatchTheHeader() {
        #expect(CursesCodes.up == KEY_UP && CursesCodes.down == KEY_DOWN)
        #expect(CursesCodes.left == KEY_LEFT && CursesCodes.right == KEY_RIGHT)
        #expect(CursesCodes.home == KEY_HOME && CursesCodes.end == KEY_END)
        #expect(CursesCodes.pageUp == KEY_PPAGE && CursesCodes.pageDown == KEY_NPAGE)
        #expect(CursesCodes.backTab == KEY_BTAB && CursesCodes.enter == KEY_ENTER)
        #expect(CursesCodes.backspace == KEY_BACKSPACE)
        #expect(CursesCodes.mouse == shim_key_mouse() && CursesCodes.resize == shim_key_resize())
    }

    @Test func buttonMasksMatchTheHeader() {
        #expect(CursesCodes.button1Pressed == UInt(shim_button1_pressed()))
        #expect(CursesCodes.button1Released == UInt(shim_button1_released()))
        #expect(CursesCodes.button1Clicked == UInt(shim_button1_clicked()))
        #expect(CursesCodes.button4Pressed == UInt(shim_button4_pressed()))
        #expect(CursesCodes.button5Pressed == UInt(shim_button5_pressed()))
    }
}
