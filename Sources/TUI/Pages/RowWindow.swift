/// The rows of a long list that fit on screen: a window that keeps the selected row visible,
/// centred where the list allows, so moving the selection scrolls smoothly both ways without
/// the page having to remember a scroll offset.
struct RowWindow: Equatable, Sendable {
    /// The rows shown, as indices into the list.
    let range: Range<Int>
    let count: Int

    init(count: Int, selected: Int, visible: Int) {
        let count = max(count, 0), visible = min(max(visible, 0), count)
        let centred = Self.clamp(selected, count: count) - visible / 2
        let start = min(max(centred, 0), count - visible)
        range = start..<(start + visible)
        self.count = count
    }

    /// `index` limited to a list of `count` items (0 for an empty list).
    static func clamp(_ index: Int, count: Int) -> Int {
        min(max(index, 0), max(count - 1, 0))
    }

    /// True when some rows are off screen.
    var isScrolled: Bool { range.count < count }

    /// "5–20 of 34" (ASCII "5-20 of 34"), 1-based; empty when every row is shown.
    func label(glyphs: GlyphSet) -> String {
        guard isScrolled else { return "" }
        return range.isEmpty ? "0 of \(count)" : "\(range.lowerBound + 1)\(glyphs.dash)\(range.upperBound) of \(count)"
    }

    /// Writes the label into the bottom border of `panel`, right-aligned, when rows are hidden.
    func renderLabel(into buffer: inout CellBuffer, panel: Rect, glyphs: GlyphSet, style: Style) {
        let text = label(glyphs: glyphs)
        guard !text.isEmpty, panel.height >= 2, panel.width >= text.count + 6 else { return }
        let y = panel.maxY - 1
        buffer.write(" \(text) ", x: panel.maxX - text.count - 4, y: y, style: style,
                     clip: Rect(x: panel.x + 1, y: y, width: panel.width - 2, height: 1))
    }
}
