/// The screen shown instead of the dashboard when the terminal is smaller than it needs
/// (btop's rule): the sizes tell the user how far to enlarge the window.
public struct TooSmallScreen: Widget {
    public var have: Size
    public var need: Size
    public var glyphs: GlyphSet
    public var style: Style
    public var emphasis: Style

    public init(have: Size, need: Size, glyphs: GlyphSet, style: Style, emphasis: Style) {
        self.have = have
        self.need = need
        self.glyphs = glyphs
        self.style = style
        self.emphasis = emphasis
    }

    /// The sentence shown: one line when it fits, else broken after the colon (and wrapped
    /// further on very narrow screens), so the two sizes stay together.
    public func lines(width: Int) -> [String] {
        let x = glyphs.times
        let head = "terminal too small:"
        let sizes = "have \(have.width)\(x)\(have.height), need \(need.width)\(x)\(need.height)"
        let whole = head + " " + sizes
        if whole.count <= width { return [whole] }
        return Format.wrap(head, width: width) + Format.wrap(sizes, width: width)
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        buffer.fill(area, with: Cell(" ", style: style))
        let text = lines(width: area.width)
        let block = area.centered(width: text.map(\.count).max() ?? 0, height: text.count)
        for (index, line) in text.enumerated() where index < block.height {
            let x = area.x + (area.width - line.count) / 2
            buffer.write(line, x: x, y: block.y + index, style: emphasis, clip: area)
        }
    }
}
