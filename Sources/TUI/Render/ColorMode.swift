/// How many colours the terminal can show, and so how theme colours are quantized.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour: only through a `*-direct` terminfo entry, which reports 2^24 colours
    /// (`TerminalType.preferred` picks one when `COLORTERM` says the terminal has them).
    case truecolor
    /// The xterm 256-colour palette (6×6×6 cube plus 24 greys).
    case palette256 = "256"
    /// The sixteen ANSI colours (eight plus their bright variants).
    case basic16 = "16"
    /// The eight ANSI colours.
    case basic8 = "8"
    /// No colour at all: attributes (bold, reverse, dim) carry the meaning.
    case none

    /// The mode for a terminal that reports `colorCount` colours, honouring `NO_COLOR`
    /// (any non-empty value turns colour off, per no-color.org).
    public static func detect(colorCount: Int, environment: [String: String]) -> ColorMode {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
        switch colorCount {
        case (1 << 24)...: return .truecolor
        case 256...: return .palette256
        case 16...: return .basic16
        case 8...: return .basic8
        default: return .none
        }
    }

    /// This mode, or `ceiling` if that shows fewer colours: a user may ask for less colour
    /// than the terminal has, never for more.
    public func limited(to ceiling: ColorMode) -> ColorMode {
        Self.allCases.firstIndex(of: self)! >= Self.allCases.firstIndex(of: ceiling)! ? self : ceiling
    }

    /// The terminal colour number for `color` in this mode; -1 is the terminal default.
    ///
    /// Direct-colour terminals take the packed RGB value as the colour number, except that
    /// their terminfo reads numbers below 8 as ANSI colours, so near-blacks are lifted to 8
    /// (`#000008`) rather than turning into red, green or blue. The palettes take the nearest
    /// entry (`XtermPalette`).
    public func terminalColor(for color: Color) -> Int32 {
        guard case let .rgb(r, g, b) = color else { return -1 }
        switch self {
        case .none:
            return -1
        case .truecolor:
            return max(Int32(r) << 16 | Int32(g) << 8 | Int32(b), 8)
        case .palette256:
            return Int32(XtermPalette.nearest256(r, g, b))
        case .basic16:
            return Int32(XtermPalette.nearestANSI(r, g, b, count: 16))
        case .basic8:
            return Int32(XtermPalette.nearestANSI(r, g, b, count: 8))
        }
    }

    /// `color` as this mode will actually show it: the RGB of the terminal colour it maps to
    /// (itself in truecolor, `.default` without colour). Lets a gradient collapse to the
    /// colours the terminal really has, so neighbouring steps share one colour pair.
    public func quantized(_ color: Color) -> Color {
        guard case .rgb = color else { return color }
        switch self {
        case .none: return .default
        case .truecolor: return color
        case .palette256, .basic16, .basic8: return XtermPalette.rgb(Int(terminalColor(for: color)))
        }
    }

    /// A short name for the status line.
    public var label: String {
        switch self {
        case .truecolor: return "truecolor"
        case .palette256: return "256 colours"
        case .basic16: return "16 colours"
        case .basic8: return "8 colours"
        case .none: return "no colour"
        }
    }
}
