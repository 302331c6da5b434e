import Core

/// The new-run form as a centred box: one row per field, the focused one highlighted,
/// choices between arrows and the learning rate as typed (with the optimizer's default
/// shown while it is empty), then the keys that drive it.
public struct RunFormView: Widget {
    public var form: RunForm
    public var glyphs: GlyphSet
    public var palette: Palette

    public init(form: RunForm, glyphs: GlyphSet, palette: Palette) {
        self.form = form
        self.glyphs = glyphs
        self.palette = palette
    }

    static let labelWidth = 11
    static let width = 52

    /// The text of each field's value: `‹ adamw ›` for choices, the typed rate with a cursor.
    func valueText(_ field: RunForm.Field) -> String {
        let (left, right) = glyphs == .braille ? ("‹", "›") : ("<", ">")
        if RunForm.isChoice(field) { return "\(left) \(form.value(of: field)) \(right)" }
        let cursor = field == form.field ? "_" : ""
        if form.learningRate.isEmpty {
            let rate = form.optimizer.defaultPeakLearningRate
            return (cursor.isEmpty ? "" : cursor + " ") + "(default \(Format.scientific(Double(rate))))"
        }
        return form.learningRate + cursor
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        let fields = RunForm.Field.allCases
        let box = area.centered(width: Self.width, height: fields.count + 4)
        let panel = Panel(title: "new run", glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
        panel.render(into: &buffer, area: box)
        let inner = panel.inner(of: box)
        let content = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        let focus = Style(fg: palette.text.fg, bg: palette.text.bg, bold: true, reverse: true)
        for (row, field) in fields.enumerated() where row < content.height {
            let y = content.y + row
            let x = buffer.write(Format.pad(field.label, to: Self.labelWidth), x: content.x, y: y,
                                 style: palette.dim, clip: content)
            let text = valueText(field)
            let style = field == form.field ? focus : (field == .learningRate && form.learningRate.isEmpty
                                                       ? palette.dim : palette.text)
            buffer.write(text, x: x, y: y, style: style, clip: content)
        }
        let hint = "Enter start  Esc cancel  Tab next field"
        buffer.write(Format.truncate(hint, to: content.width, ascii: glyphs == .ascii), x: content.x,
                     y: content.y + fields.count + 1, style: palette.dim, clip: content)
    }
}
