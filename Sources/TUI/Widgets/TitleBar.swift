/// The top line: the program name, the view tabs (the active one stands out), then a
/// summary of what is on screen when it fits whole.
public struct TitleBar: Widget {
    public var title: String
    public var summary: String
    public var style: Style
    /// Tab labels in order, e.g. "1 Training"; empty for no tab strip.
    public var tabs: [String]
    public var activeTab: Int?
    public var activeStyle: Style

    public init(title: String, summary: String, style: Style, tabs: [String] = [], activeTab: Int? = nil,
                activeStyle: Style? = nil) {
        self.title = title
        self.summary = summary
        self.style = style
        self.tabs = tabs
        self.activeTab = activeTab
        self.activeStyle = activeStyle ?? style.bolded()
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let line = Rect(x: area.x, y: area.y, width: area.width, height: 1)
        buffer.fill(line, with: Cell(" ", style: style))
        var x = buffer.write(" " + title + " ", x: area.x, y: area.y, style: style.bolded(), clip: line)
        for (index, label) in tabLabels(room: area.maxX - x).enumerated() {
            let start = x
            x = buffer.write(" \(label) ", x: x, y: area.y, style: index == activeTab ? activeStyle : style, clip: line)
            buffer.mark(Rect(x: start, y: area.y, width: x - start, height: 1), as: .tab(index))
        }
        // A summary cut short reads as a different one: show it whole or not at all.
        if x + 1 + summary.count + 1 <= line.maxX {
            buffer.write(" " + summary, x: x + 1, y: area.y, style: style, clip: line)
        }
    }

    /// The tabs in full when they fit in `room` columns, else only the active one in full and
    /// the others by their first word (the number key that selects them).
    private func tabLabels(room: Int) -> [String] {
        let full = tabs.reduce(0) { $0 + $1.count + 2 }
        guard full > room else { return tabs }
        return tabs.enumerated().map { index, label in
            index == activeTab ? label : String(label.prefix { $0 != " " })
        }
    }
}
