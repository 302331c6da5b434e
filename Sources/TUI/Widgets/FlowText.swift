/// Short styled pieces laid out like words: left to right, two spaces apart, a piece that
/// does not fit starting the next row, so a detail line wraps between facts, not inside one.
public struct FlowText: Widget {
    /// Pieces that are never split (one fact, e.g. "rank 3/12"), each a run of cells.
    public var chunks: [[Cell]]

    public init(chunks: [[Cell]]) {
        self.chunks = chunks
    }

    /// A chunk of `text` in one style.
    public static func chunk(_ text: String, _ style: Style) -> [Cell] {
        text.map { Cell($0, style: style) }
    }

    /// A chunk made of differently styled parts, e.g. a label and its value.
    public static func chunk(_ parts: [(String, Style)]) -> [Cell] {
        parts.flatMap { chunk($0.0, $0.1) }
    }

    /// How many rows the chunks take at `width` columns.
    public func rowCount(width: Int) -> Int {
        layout(width: width).map(\.row).max().map { $0 + 1 } ?? 0
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        for (chunk, placement) in zip(chunks, layout(width: area.width)) where placement.row < area.height {
            for (offset, cell) in chunk.enumerated() where placement.column + offset < area.width {
                buffer.set(x: area.x + placement.column + offset, y: area.y + placement.row, cell)
            }
        }
    }

    /// Where each chunk starts; a chunk wider than a whole row gets a row to itself (and is cut).
    private func layout(width: Int) -> [(row: Int, column: Int)] {
        guard width > 0 else { return [] }
        var row = 0, column = 0
        return chunks.map { chunk in
            if column > 0, column + 2 + chunk.count > width {
                row += 1
                column = 0
            }
            let start = column == 0 ? 0 : column + 2
            column = start + chunk.count
            return (row, start)
        }
    }
}
