/// How many colours the terminal can show, and so how theme colours are quantized.
public enum ColorMode: String, Sendable, CaseIterable {
    /// 24-bit colour: only through a `*-direct` terminfo entry, which reports 2^24 colours.
    case truecolor
    /// The xterm 256-colour palette (6×6×6 cube plus 24 greys).
    case palette256 = "256"
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
    /// Direct-colour terminals take the packed RGB value as the colour number; the 256 palette
    /// uses btop's `truecolor_to_256`; eight colours threshold each channel at half intensity,
    /// which is exactly the ANSI numbering (red = 1, green = 2, blue = 4).
    public func terminalColor(for color: Color) -> Int32 {
        guard case let .rgb(r, g, b) = color else { return -1 }
        switch self {
        case .none:
            return -1
        case .truecolor:
            return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        case .palette256:
            let grey = (Double(r) / 11).rounded()
            if grey == (Double(g) / 11).rounded(), grey == (Double(b) / 11).rounded() {
                return 232 + Int32(grey)  // grey <= round(255 / 11) = 23
            }
            func level(_ c: UInt8) -> Int32 { Int32((Double(c) / 51).rounded()) }
            return 16 + 36 * level(r) + 6 * level(g) + level(b)
        case .basic8:
            return (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0)
        }
    }

    /// A short name for the status line.
    public var label: String {
        switch self {
        case .truecolor: return "truecolor"
        case .palette256: return "256 colours"
        case .basic8: return "8 colours"
        case .none: return "no colour"
        }
    }
}
