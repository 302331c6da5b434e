/// What ncurses handed over for one input, before it means anything to the dashboard.
enum CursesInput: Equatable, Sendable {
    /// `wget_wch` returned `OK`: a character, control characters included.
    case character(UInt32)
    /// `wget_wch` returned `KEY_CODE_YES`: a function key's `KEY_*` code.
    case keyCode(Int32)
    /// `KEY_MOUSE`, as `getmouse` read it: the cell and the `BUTTON*` state bits.
    case mouse(x: Int32, y: Int32, buttons: UInt)
}

/// The `KEY_*` codes and mouse `BUTTON*` masks of `<curses.h>` (NCURSES_MOUSE_VERSION 2).
///
/// They are part of the ncurses ABI, so spelling them here keeps the decoding a pure function
/// that tests can drive; a headless test checks them against the header.
enum CursesCodes {
    static let down: Int32 = 0o402
    static let up: Int32 = 0o403
    static let left: Int32 = 0o404
    static let right: Int32 = 0o405
    static let home: Int32 = 0o406
    static let backspace: Int32 = 0o407
    static let pageDown: Int32 = 0o522
    static let pageUp: Int32 = 0o523
    static let enter: Int32 = 0o527
    static let backTab: Int32 = 0o541
    static let end: Int32 = 0o550
    static let mouse: Int32 = 0o631
    static let resize: Int32 = 0o632

    static let button1Released: UInt = 0o1
    static let button1Pressed: UInt = 0o2
    static let button1Clicked: UInt = 0o4
    static let button4Pressed: UInt = 0o2 << 15
    static let button5Pressed: UInt = 0o2 << 20
    /// What the backend asks ncurses to report: left presses and releases (release too, so
    /// xterm-style terminals switch to press/release tracking) and both wheel directions.
    static let reportedButtons: UInt = button1Pressed | button1Released | button4Pressed | button5Pressed
}

extension InputEvent {
    /// The event `raw` stands for, with `size` as the terminal's size after a resize; nil for
    /// input the dashboard ignores (a button release, other buttons).
    init?(_ raw: CursesInput, size: Size) {
        switch raw {
        case .character(let value):
            switch value {
            case 27: self = .key(.escape)
            case 9: self = .key(.tab)
            case 10, 13: self = .key(.enter)
            case 8, 127: self = .key(.backspace)
            default:
                guard let scalar = Unicode.Scalar(value) else { return nil }
                self = .key(.character(Character(scalar)))
            }
        case .keyCode(let code):
            if code == CursesCodes.resize {
                self = .resize(size)
                return
            }
            let named: [Int32: Key] = [
                CursesCodes.up: .up, CursesCodes.down: .down, CursesCodes.left: .left, CursesCodes.right: .right,
                CursesCodes.pageUp: .pageUp, CursesCodes.pageDown: .pageDown, CursesCodes.home: .home,
                CursesCodes.end: .end, CursesCodes.backTab: .backTab, CursesCodes.enter: .enter,
                CursesCodes.backspace: .backspace,
            ]
            self = .key(named[code] ?? .code(code))
        case let .mouse(x, y, buttons):
            let kind: MouseEvent.Kind
            if buttons & CursesCodes.button4Pressed != 0 {
                kind = .wheelUp
            } else if buttons & CursesCodes.button5Pressed != 0 {
                kind = .wheelDown
            } else if buttons & (CursesCodes.button1Pressed | CursesCodes.button1Clicked) != 0 {
                kind = .leftClick
            } else {
                return nil
            }
            self = .mouse(MouseEvent(x: Int(x), y: Int(y), kind: kind))
        }
    }
}
