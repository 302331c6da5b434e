/// A message wrapped to the area's width and centred in it: the empty state of a page.
/// Each line of `text` (split at "\n") starts a new paragraph.
public struct CenteredMessage: Widget {
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style) {
        self.text = text
        self.style = style
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let paragraphs = text.split(separator: "\n").map(String.init)
        let lines = Array(paragraphs.flatMap { Format.wrap($0, width: area.width) }.prefix(area.height))
        let top = area.y + (area.height - lines.count) / 2
        for (index, line) in lines.enumerated() {
            buffer.write(line, x: area.x + (area.width - line.count) / 2, y: top + index, style: style,
                         clip: area)
        }
    }
}
