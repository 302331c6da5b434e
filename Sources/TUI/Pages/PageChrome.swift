/// What the pages share around their content: panels in the palette's styles, the empty
/// state, and the glyphs that mark selections and ranges.
extension Panel {
    /// A page panel: border and title in the palette's styles.
    init(pageTitle: String, palette: Palette, glyphs: GlyphSet) {
        self.init(title: pageTitle, glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
    }

    /// The inside less one column each side, so content doesn't touch the border.
    func content(of area: Rect) -> Rect {
        let inner = inner(of: area)
        return Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
    }
}

/// A page with nothing to show yet: its panel with the reason centred inside.
struct EmptyPage: Widget {
    var title: String
    var message: String
    var palette: Palette
    var glyphs: GlyphSet

    func render(into buffer: inout CellBuffer, area: Rect) {
        let panel = Panel(pageTitle: title, palette: palette, glyphs: glyphs)
        panel.render(into: &buffer, area: area)
        CenteredMessage(message, style: palette.dim).render(into: &buffer, area: panel.inner(of: area).inset(by: 1))
    }
}

extension GlyphSet {
    /// A list row's name, `width` columns at most: a marker before the selected row, a space
    /// before the others, so names stay aligned.
    func rowLabel(_ name: String, selected: Bool, width: Int) -> String {
        (selected ? selectionMarker : " ") + Format.truncate(name, to: width - 2, ascii: self == .ascii)
    }

    /// The mark before the selected row of a list.
    var selectionMarker: String { self == .braille ? "▸" : ">" }

    /// Between the ends of a range: "1e-4…1e0", ASCII "1e-4..1e0".
    var rangeSeparator: String { self == .braille ? "…" : ".." }

    /// Between two numbers of a span: "steps 30–120", ASCII "30-120".
    var dash: String { self == .braille ? "–" : "-" }

    /// "≤", ASCII "<=".
    var atMost: String { self == .braille ? "≤" : "<=" }

    /// "≥", ASCII ">=".
    var atLeast: String { self == .braille ? "≥" : ">=" }
}
