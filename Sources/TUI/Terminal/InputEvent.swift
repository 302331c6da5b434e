/// A key the dashboard can react to.
public enum Key: Hashable, Sendable {
    /// A printable character (as typed, so `?` and `P` are distinct from `/` and `p`).
    case character(Character)
    case escape
    case up, down, left, right
    case pageUp, pageDown, home, end
    case tab
    /// Shift-Tab.
    case backTab
    case enter
    case backspace
    /// Any other key, by its ncurses key code (function keys, …), for later bindings.
    case code(Int32)

    /// How the key is written in help text: plain ASCII, so help reads in any locale.
    public var label: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .escape: return "Esc"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .enter: return "Enter"
        case .backspace: return "Bksp"
        case .code(let code): return "key \(code)"
        }
    }
}

/// A mouse action at a screen cell (0-based, from the top-left corner).
public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The left button went down (reported at once, not after a click interval).
        case leftClick
        case wheelUp
        case wheelDown
    }

    public var x: Int
    public var y: Int
    public var kind: Kind
}

/// Something that happened at the terminal.
public enum InputEvent: Equatable, Sendable {
    case key(Key)
    /// The terminal changed size; the new size is already what `TerminalBackend.size` reports.
    case resize(Size)
    case mouse(MouseEvent)
}
