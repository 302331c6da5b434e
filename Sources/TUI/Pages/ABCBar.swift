import Core

/// A module's error R as a horizontal bar (length on a `LogScale`), split into its parts by
/// share of |A| + |B| + |C|: propagated A, local B and interaction C, each with its own glyph
/// and colour so the split reads in monochrome and ASCII too; a negative C (the two errors
/// partly cancel) is hatched.
struct ABCBar {
    enum Part: CaseIterable, Sendable {
        case propagated, local, interaction, cancelling
    }

    var glyphs: GlyphSet
    var palette: Palette

    func glyph(_ part: Part) -> Character {
        switch (part, glyphs) {
        case (.propagated, .braille): return "█"
        case (.local, .braille): return "▓"
        case (.interaction, .braille): return "░"
        case (.cancelling, .braille): return "╱"
        case (.propagated, .ascii): return "#"
        case (.local, .ascii): return "="
        case (.interaction, .ascii): return ":"
        case (.cancelling, .ascii): return "/"
        }
    }

    func style(_ part: Part) -> Style {
        let base = palette.text
        switch part {
        case .propagated: return base.with(fg: palette.title.fg)
        case .local: return base.with(fg: palette.warn.fg)
        case .interaction, .cancelling: return base.with(fg: palette.axis.fg)
        }
    }

    /// "█ A propagated  ▓ B local  ░ C interaction  ╱ C<0": the legend, as flow chunks.
    var legend: [[Cell]] {
        let names: [(Part, String)] = [(.propagated, "A propagated"), (.local, "B local"),
                                       (.interaction, "C interaction"), (.cancelling, "C<0")]
        return names.map { part, name in
            FlowText.chunk([(String(glyph(part)), style(part)), (" " + name, palette.dim)])
        }
    }

    /// How many of `length` cells each part gets (largest remainder), in bar order A, B, C;
    /// a part with at least 2% of the error keeps a cell whenever the bar has room for it.
    static func segments(a: Double, b: Double, c: Double, length: Int) -> [(part: Part, cells: Int)] {
        let parts: [(Part, Double)] = [(.propagated, max(a, 0)), (.local, max(b, 0)),
                                       (c < 0 ? .cancelling : .interaction, abs(c))]
        let total = parts.reduce(0) { $0 + $1.1 }
        guard length > 0, total > 0, total.isFinite else { return [] }
        let exact = parts.map { $0.1 / total * Double(length) }
        var cells = exact.map { Int($0) }
        let byRemainder = exact.indices.sorted { exact[$0] - Double(cells[$0]) > exact[$1] - Double(cells[$1]) }
        for index in byRemainder.prefix(length - cells.reduce(0, +)) { cells[index] += 1 }
        for index in parts.indices where cells[index] == 0 && parts[index].1 / total >= 0.02 {
            guard let donor = cells.indices.max(by: { cells[$0] < cells[$1] }), cells[donor] > 1 else { break }
            cells[donor] -= 1
            cells[index] += 1
        }
        return parts.indices.compactMap { cells[$0] > 0 ? (parts[$0].0, cells[$0]) : nil }
    }

    /// Draws `module`'s bar along the top row of `area`, from its left edge.
    func render(_ module: ModuleError, scale: LogScale, into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let length = scale.length(of: module.r, width: area.width)
        var x = area.x
        for segment in Self.segments(a: module.a, b: module.b, c: module.c, length: length) {
            let run = String(repeating: glyph(segment.part), count: segment.cells)
            x = buffer.write(run, x: x, y: area.y, style: style(segment.part), clip: area)
        }
    }
}
