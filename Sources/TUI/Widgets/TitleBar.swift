/// The top line: the program name, then a summary of what is on screen.
public struct TitleBar: Widget {
    public var title: String
    public var summary: String
    public var style: Style

    public init(title: String, summary: String, style: Style) {
        self.title = title
        self.summary = summary
        self.style = style
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let line = Rect(x: area.x, y: area.y, width: area.width, height: 1)
        buffer.fill(line, with: Cell(" ", style: style))
        let x = buffer.write(" " + title, x: area.x, y: area.y, style: style.bolded(), clip: line)
        buffer.write("  " + summary, x: x, y: area.y, style: style, clip: line)
    }
}
