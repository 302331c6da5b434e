/// A view whose widget is not built yet: a titled panel with a sentence saying what will
/// appear there and when.
public struct PlaceholderPage: ExportableWidget {
    public var title: String
    public var message: String
    public var palette: Palette
    public var glyphs: GlyphSet

    public init(title: String, message: String, palette: Palette, glyphs: GlyphSet) {
        self.title = title
        self.message = message
        self.palette = palette
        self.glyphs = glyphs
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        let panel = Panel(title: title, glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
        panel.render(into: &buffer, area: area)
        let inner = panel.inner(of: area).inset(by: 1)
        let lines = Format.wrap(message, width: min(inner.width, 64))
        let block = inner.centered(width: lines.map(\.count).max() ?? 0, height: lines.count)
        for (row, line) in lines.enumerated() where row < block.height {
            buffer.write(line, x: block.x, y: block.y + row, style: palette.dim, clip: inner)
        }
    }

    /// Nothing measured to export yet: the message as the only row.
    public var exportTable: ExportTable { ExportTable(header: ["message"], rows: [[message]]) }
}
