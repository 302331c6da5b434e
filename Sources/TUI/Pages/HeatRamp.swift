/// The heatmap's sequential colour ramp: a position t in 0…1 (low → high) to a cell look.
///
/// With colour, the cell background is the theme's `heat_low` → `heat_mid` → `heat_high` ramp
/// (`Palette.heat`, already quantized to the terminal's colour mode) and the text on top is
/// black or white, whichever contrasts. Without colour (monochrome) the value is shown by glyph
/// density instead.
struct HeatRamp: Sendable {
    private let palette: Palette
    private let base: Style
    private let shades: [Character]
    /// True when cells are told apart by colour, false when by shading glyphs.
    let usesColor: Bool

    init(palette: Palette, glyphs: GlyphSet) {
        self.palette = palette
        base = palette.text
        if case .rgb = palette.heat(0).fg { usesColor = true } else { usesColor = false }
        shades = glyphs == .braille ? ["░", "▒", "▓", "█"] : Array(".:-=+*#%@")
    }

    /// The background colour for `t` (clamped; NaN counts as 0) with a contrasting text colour;
    /// the plain text style when the ramp has no colours.
    func style(_ t: Double) -> Style {
        guard usesColor else { return base }
        let background = palette.heat(t).fg
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
