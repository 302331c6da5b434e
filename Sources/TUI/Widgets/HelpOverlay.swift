/// The `?` overlay: every key binding with its description in a centred panel.
public struct HelpOverlay: Widget {
    public var bindings: [KeyBinding]
    public var notes: [String]
    public var glyphs: GlyphSet
    public var palette: Palette

    public init(bindings: [KeyBinding], notes: [String], glyphs: GlyphSet, palette: Palette) {
        self.bindings = bindings
        self.notes = notes
        self.glyphs = glyphs
        self.palette = palette
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        let keyWidth = bindings.map(\.keyLabel.count).max() ?? 0
        let lines = bindings.map { Format.pad($0.keyLabel, to: keyWidth) + "  " + $0.description }
        let contentWidth = (lines + notes).map(\.count).max() ?? 0
        let height = lines.count + (notes.isEmpty ? 0 : notes.count + 1)
        let box = area.centered(width: contentWidth + 4, height: height + 2)
        let panel = Panel(title: "keys", glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
        panel.render(into: &buffer, area: box)
        let inner = panel.inner(of: box)
        let content = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        for (index, binding) in bindings.enumerated() where index < content.height {
            let y = content.y + index
            buffer.write(binding.keyLabel, x: content.x, y: y, style: palette.highlight, clip: content)
            buffer.write(binding.description, x: content.x + keyWidth + 2, y: y, style: palette.text, clip: content)
        }
        for (index, note) in notes.enumerated() {
            buffer.write(note, x: content.x, y: content.y + bindings.count + 1 + index,
                         style: palette.dim, clip: content)
        }
    }
}
