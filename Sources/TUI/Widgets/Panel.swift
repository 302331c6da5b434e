/// A bordered box with a title in its top edge; content goes in `inner(of:)`.
public struct Panel: Widget {
    public var title: String
    public var glyphs: GlyphSet
    public var borderStyle: Style
    public var titleStyle: Style

    public init(title: String, glyphs: GlyphSet, borderStyle: Style, titleStyle: Style) {
        self.title = title
        self.glyphs = glyphs
        self.borderStyle = borderStyle
        self.titleStyle = titleStyle
    }

    /// The area inside the border (empty when the panel is too small to have an inside).
    public func inner(of area: Rect) -> Rect { area.inset(by: 1) }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard area.width >= 2, area.height >= 2 else { return }
        let g = glyphs.border
        buffer.fill(area.inset(by: 1), with: Cell(" ", style: Style(bg: borderStyle.bg)))
        for x in (area.x + 1)..<(area.maxX - 1) {
            buffer.set(x: x, y: area.y, Cell(g.horizontal, style: borderStyle))
            buffer.set(x: x, y: area.maxY - 1, Cell(g.horizontal, style: borderStyle))
        }
        for y in (area.y + 1)..<(area.maxY - 1) {
            buffer.set(x: area.x, y: y, Cell(g.vertical, style: borderStyle))
            buffer.set(x: area.maxX - 1, y: y, Cell(g.vertical, style: borderStyle))
        }
        buffer.set(x: area.x, y: area.y, Cell(g.topLeft, style: borderStyle))
        buffer.set(x: area.maxX - 1, y: area.y, Cell(g.topRight, style: borderStyle))
        buffer.set(x: area.x, y: area.maxY - 1, Cell(g.bottomLeft, style: borderStyle))
        buffer.set(x: area.maxX - 1, y: area.maxY - 1, Cell(g.bottomRight, style: borderStyle))
        let room = area.width - 4
        guard room > 0, !title.isEmpty else { return }
        let label = " " + Format.truncate(title, to: room - 2, ascii: glyphs == .ascii) + " "
        buffer.write(label, x: area.x + 1, y: area.y, style: titleStyle,
                     clip: Rect(x: area.x + 1, y: area.y, width: area.width - 2, height: 1))
    }
}
