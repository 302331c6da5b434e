/// A one-row chart of a series: each column a bar of eight heights (`▁`…`█`), or five ASCII
/// heights (`_.-~^`), scaled between the series' minimum and maximum.
///
/// Longer series are averaged into one bucket per column; shorter ones take one column per
/// value from the left. Non-finite values leave their column blank.
public struct Sparkline: Widget {
    public var values: [Double]
    public var glyphs: GlyphSet
    public var style: Style

    public init(values: [Double], glyphs: GlyphSet, style: Style) {
        self.values = values
        self.glyphs = glyphs
        self.style = style
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        buffer.write(text(width: area.width), x: area.x, y: area.y, style: style, clip: area)
    }

    /// The glyphs for at most `width` columns.
    public func text(width: Int) -> String {
        let columns = buckets(width: width)
        let finite = columns.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else {
            return String(repeating: " ", count: columns.count)
        }
        let levels: [Character] = glyphs == .braille ? Array("▁▂▃▄▅▆▇█") : Array("_.-~^")
        return String(columns.map { value -> Character in
            guard value.isFinite else { return " " }
            // A flat series sits mid-height: neither a floor nor a ceiling.
            let t = high > low ? (value - low) / (high - low) : 0.5
            return levels[min(Int(t * Double(levels.count)), levels.count - 1)]
        })
    }

    /// The series averaged down to at most `width` columns.
    func buckets(width: Int) -> [Double] {
        guard width > 0 else { return [] }
        guard values.count > width else { return values }
        return (0..<width).map { column in
            let start = column * values.count / width, end = (column + 1) * values.count / width
            let slice = values[start..<end].filter(\.isFinite)
            return slice.isEmpty ? .nan : slice.reduce(0, +) / Double(slice.count)
        }
    }
}
