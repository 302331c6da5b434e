/// A key the dashboard can react to.
public enum Key: Hashable, Sendable {
    /// A printable character (as typed, so `?` and `P` are distinct from `/` and `p`).
    case character(Character)
    case escape
    /// Any other key, by its ncurses key code (function keys, arrows), for later bindings.
    case code(Int32)

    /// How the key is written in help text.
    public var label: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .escape: return "Esc"
        case .code(let code): return "key \(code)"
        }
    }
}

/// Something that happened at the terminal.
public enum InputEvent: Equatable, Sendable {
    case key(Key)
    /// The terminal changed size; the new size is already what `TerminalBackend.size` reports.
    case resize(Size)
}
