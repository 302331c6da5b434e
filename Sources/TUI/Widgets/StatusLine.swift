/// A full-width bar with text on the left and on the right; the left side wins when both do
/// not fit, since it carries the state (running, paused) and the right only details.
public struct StatusLine: Widget {
    public var left: String
    public var right: String
    public var style: Style
    /// Replaces `style` for the left text, e.g. to flag a warning.
    public var leftStyle: Style?

    public init(left: String, right: String = "", style: Style, leftStyle: Style? = nil) {
        self.left = left
        self.right = right
        self.style = style
        self.leftStyle = leftStyle
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let line = Rect(x: area.x, y: area.y, width: area.width, height: 1)
        buffer.fill(line, with: Cell(" ", style: style))
        let leftEnd = buffer.write(" " + left, x: area.x, y: area.y, style: leftStyle ?? style, clip: line)
        let rightText = right + " "
        let rightX = area.maxX - rightText.count
        if !right.isEmpty, rightX > leftEnd + 1 {
            buffer.write(rightText, x: rightX, y: area.y, style: style, clip: line)
        }
    }
}
