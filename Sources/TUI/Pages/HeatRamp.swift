/// The heatmap's sequential colour ramp: a position t in 0…1 (low → high) to a cell look.
///
/// With colour, the cell background runs from the theme's title colour darkened, through the
/// title colour, to the highlight colour, so brightness rises with the value and the hottest
/// cells share the colour that marks importance elsewhere; the text on top is black or white,
/// whichever contrasts. The backend quantizes these RGB values to the terminal's `ColorMode`
/// like any other (the five ramp stops stay distinct even in 8 colours: black, blue, cyan,
/// white, yellow with the built-in theme). Without colour (the palette hands out only terminal
/// defaults) the value is shown by glyph density instead.
///
/// Kept in one place so it can give way to the theme's own `heat_*` gradient.
struct HeatRamp: Sendable {
    /// Ramp stops, low to high; empty when the palette has no RGB colours to blend.
    private let stops: [Color]
    private let base: Style
    private let shades: [Character]

    init(palette: Palette, glyphs: GlyphSet) {
        base = palette.text
        let low = palette.title.fg, high = palette.highlight.fg
        if case .rgb = low, case .rgb = high {
            stops = [low.mixed(with: .rgb(0, 0, 0), fraction: 0.7), low, high]
        } else {
            stops = []
        }
        shades = glyphs == .braille ? ["░", "▒", "▓", "█"] : Array(".:-=+*#%@")
    }

    /// True when cells are told apart by colour, false when by shading glyphs.
    var usesColor: Bool { !stops.isEmpty }

    /// The background colour for `t` (clamped; NaN counts as 0) with a contrasting text colour;
    /// the plain text style when the ramp has no colours.
    func style(_ t: Double) -> Style {
        guard usesColor else { return base }
        let position = Self.clamped(t) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let background = stops[index].mixed(with: stops[index + 1], fraction: position - Double(index))
        let foreground: Color = Self.luminance(background) > 0.5 ? .rgb(0, 0, 0) : .rgb(0xff, 0xff, 0xff)
        return Style(fg: foreground, bg: background)
    }

    /// The shading glyph for `t`: denser for higher values.
    func shade(_ t: Double) -> Character {
        let index = Int((Self.clamped(t) * Double(shades.count)).rounded(.down))
        return shades[min(index, shades.count - 1)]
    }

    /// `width` cells running from low to high: the ramp's legend.
    func legend(width: Int) -> [Cell] {
        guard width > 0 else { return [] }
        return (0..<width).map { column in
            let t = width == 1 ? 1 : Double(column) / Double(width - 1)
            return usesColor ? Cell(" ", style: style(t)) : Cell(shade(t), style: base)
        }
    }

    private static func clamped(_ t: Double) -> Double {
        t.isNaN ? 0 : min(max(t, 0), 1)
    }

    /// Relative luminance (Rec. 709 weights) in 0…1.
    private static func luminance(_ color: Color) -> Double {
        guard case let .rgb(r, g, b) = color else { return 0 }
        return (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255
    }
}
