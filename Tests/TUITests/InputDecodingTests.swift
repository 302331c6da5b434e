import Testing
@testable import TUI

@Suite("Raw ncurses input to events")
struct InputDecodingTests {
    static let size = Size(width: 80, height: 24)

    static func event(_ raw: CursesInput) -> InputEvent? { InputEvent(raw, size: size) }

    @Test(arguments: [
        (CursesCodes.up, Key.up), (CursesCodes.down, .down), (CursesCodes.left, .left), (CursesCodes.right, .right),
        (CursesCodes.pageUp, .pageUp), (CursesCodes.pageDown, .pageDown), (CursesCodes.home, .home),
        (CursesCodes.end, .end), (CursesCodes.backTab, .backTab), (CursesCodes.enter, .enter),
        (CursesCodes.backspace, .backspace), (0o410, .code(0o410)),  // F0 stays a code
    ])
    func functionKeysBecomeNamedKeys(code: Int32, key: Key) {
        #expect(Self.event(.keyCode(code)) == .key(key))
    }

    @Test(arguments: [
        (UInt32(27), Key.escape), (9, .tab), (10, .enter), (13, .enter), (127, .backspace), (8, .backspace),
        (UInt32(("q" as Unicode.Scalar).value), .character("q")), (0x28FF, .character("⣿")),
        (12, .character("\u{0C}")),
    ])
    func charactersAndControlKeys(value: UInt32, key: Key) {
        #expect(Self.event(.character(value)) == .key(key))
    }

    @Test func resizeCarriesTheNewSize() {
        #expect(Self.event(.keyCode(CursesCodes.resize)) == .resize(Self.size))
    }

    @Test func mouseButtonsBecomeClicksAndWheelTicks() {
        #expect(Self.event(.mouse(x: 3, y: 7, buttons: CursesCodes.button1Pressed))
                == .mouse(MouseEvent(x: 3, y: 7, kind: .leftClick)))
        #expect(Self.event(.mouse(x: 3, y: 7, buttons: CursesCodes.button1Clicked))
                == .mouse(MouseEvent(x: 3, y: 7, kind: .leftClick)))
        #expect(Self.event(.mouse(x: 0, y: 1, buttons: CursesCodes.button4Pressed))
                == .mouse(MouseEvent(x: 0, y: 1, kind: .wheelUp)))
        #expect(Self.event(.mouse(x: 79, y: 23, buttons: CursesCodes.button5Pressed))
                == .mouse(MouseEvent(x: 79, y: 23, kind: .wheelDown)))
        #expect(Self.event(.mouse(x: 3, y: 7, buttons: CursesCodes.button1Released)) == nil)
        #expect(Self.event(.mouse(x: 3, y: 7, buttons: 0o2 << 5)) == nil)  // button 2
    }

    @Test func keyLabelsArePlainASCII() {
        let keys: [Key] = [.up, .down, .left, .right, .pageUp, .pageDown, .home, .end, .tab, .backTab, .enter,
                           .backspace, .escape, .character(" ")]
        #expect(keys.map(\.label) == ["Up", "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End", "Tab",
                                      "S-Tab", "Enter", "Bksp", "Esc", "Space"])
    }
}
