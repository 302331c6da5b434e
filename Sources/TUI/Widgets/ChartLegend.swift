/// The legend of a `LineChart`: per series a coloured mark, its name, last and best value,
/// packed left to right into as few rows as fit.
struct ChartLegend {
    var series: [ChartSeries]
    var glyphs: GlyphSet
    var labelStyle: Style

    /// One legend entry split into differently styled pieces.
    typealias Entry = [(text: String, style: Style)]

    /// The entries laid out in rows of at most `width` columns and at most `maxRows` rows; when
    /// entries are left over, the last row ends with "+N" saying how many.
    func rows(width: Int, maxRows: Int) -> [[Entry]] {
        guard maxRows > 0, width > 0 else { return [] }
        var rows: [[Entry]] = []
        var current: [Entry] = []
        var used = 0
        for entry in series.map(entry) {
            let length = Self.length(entry)
            if !current.isEmpty, used + 2 + length > width {
                rows.append(current)
                current = []
                used = 0
            }
            used += (current.isEmpty ? 0 : 2) + length
            current.append(entry)
        }
        if !current.isEmpty { rows.append(current) }
        guard rows.count > maxRows else { return rows }
        var hidden = rows[maxRows...].reduce(0) { $0 + $1.count }
        var kept = Array(rows[..<maxRows])
        var last = kept[maxRows - 1]
        // Make room for the "+N" marker, so the count of hidden entries is never cut off.
        while last.count > 1, last.reduce(0, { $0 + Self.length($1) + 2 }) + "+\(hidden + 1)".count > width {
            last.removeLast()
            hidden += 1
        }
        last.append([(text: "+\(hidden)", style: labelStyle)])
        kept[maxRows - 1] = last
        return kept
    }

    func render(_ rows: [[Entry]], into buffer: inout CellBuffer, area: Rect) {
        for (index, row) in rows.enumerated() where index < area.height {
            var x = area.x
            for entry in row {
                for piece in entry {
                    x = buffer.write(piece.text, x: x, y: area.y + index, style: piece.style, clip: area)
                }
                x += 2
            }
        }
    }

    /// A scatter's entry is its name alone: its points have no last or best.
    private func entry(_ curve: ChartSeries) -> Entry {
        if curve.dots { return [(text: glyphs.legendMark, style: curve.style), (text: " \(curve.name)", style: labelStyle)] }
        return [(text: glyphs.legendMark, style: curve.style),
         (text: " \(curve.name) \(Format.metric(curve.last))", style: labelStyle),
         (text: " best \(Format.metric(curve.best))", style: labelStyle)]
    }

    private static func length(_ entry: Entry) -> Int {
        entry.reduce(0) { $0 + $1.text.count }
    }
}
