/// The one-line key reminder at the bottom ("? help  q quit  Space pause"), generated from the
/// key table so it always matches what the keys do; each binding's short hint when it has one.
public struct KeyHelpBar: Widget {
    public var bindings: [KeyBinding]
    public var keyStyle: Style
    public var textStyle: Style

    public init(bindings: [KeyBinding], keyStyle: Style, textStyle: Style) {
        self.bindings = bindings
        self.keyStyle = keyStyle
        self.textStyle = textStyle
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let line = Rect(x: area.x, y: area.y, width: area.width, height: 1)
        buffer.fill(line, with: Cell(" ", style: textStyle))
        var x = area.x + 1
        for binding in bindings where binding.inHelpBar {
            // Whole entries only: half a hint ("q qu") reads as a different key.
            let text = binding.hint ?? binding.description
            let width = binding.keyLabel.count + 1 + text.count
            guard x + width <= area.maxX else { break }
            x = buffer.write(binding.keyLabel, x: x, y: area.y, style: keyStyle, clip: line)
            x = buffer.write(" " + text, x: x, y: area.y, style: textStyle, clip: line) + 2
        }
    }
}
