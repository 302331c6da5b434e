import Core

/// One row per run (id, name, status, QAT tag, progress, losses, lr, speed, optimizer state,
/// time), in the order given; when the width is short the least important columns go.
///
/// The selected run's row is drawn in reverse video, the sorted column's header carries an
/// arrow, and a busy run (measuring) shows a spinner after its status. The QAT column
/// appears once a run has a tag. Rows scroll to keep the selected one visible.
public struct RunTable: Widget {
    public var runs: [RunSnapshot]
    public var palette: Palette
    public var glyphs: GlyphSet
    public var selectedID: Int?
    public var sort: RunSort?
    public var animationFrame: Int

    public init(runs: [RunSnapshot], palette: Palette, glyphs: GlyphSet, selectedID: Int? = nil,
                sort: RunSort? = nil, animationFrame: Int = 0) {
        self.runs = runs
        self.palette = palette
        self.glyphs = glyphs
        self.selectedID = selectedID
        self.sort = sort
        self.animationFrame = animationFrame
    }

    private struct Column {
        var header: String
        var sortKey: RunSortKey?
        /// Lower is more important: the least important columns go first when space is short.
        var priority: Int
        var rightAligned: Bool
        var value: (RunSnapshot) -> String
    }

    private var columns: [Column] {
        let frame = animationFrame, glyphs = self.glyphs
        var columns = [
            Column(header: "#", sortKey: .id, priority: 0, rightAligned: true) { "\($0.id)" },
            Column(header: "run", sortKey: .optimizer, priority: 0, rightAligned: false) { $0.name },
            Column(header: "status", sortKey: nil, priority: 1, rightAligned: false) { run in
                run.status.rawValue + (run.activity == nil ? "" : " \(Spinner.glyph(frame, glyphs: glyphs))")
            },
            Column(header: "step", sortKey: .step, priority: 2, rightAligned: true) { "\($0.step)/\($0.totalSteps)" },
            Column(header: "loss", sortKey: .loss, priority: 3, rightAligned: true) { Format.metric($0.trainLoss) },
            Column(header: "val", sortKey: .valLoss, priority: 3, rightAligned: true) { Format.metric($0.valLoss) },
            Column(header: "lr", sortKey: nil, priority: 6, rightAligned: true) { Format.scientific($0.learningRate) },
            Column(header: "tok/s", sortKey: .tokensPerSecond, priority: 4, rightAligned: true) {
                Format.count($0.tokensPerSecond)
            },
            Column(header: "state", sortKey: nil, priority: 5, rightAligned: true) { Format.bytes($0.optimizerStateBytes) },
            Column(header: "elapsed", sortKey: nil, priority: 8, rightAligned: true) { Format.duration($0.elapsed) },
        ]
        if runs.contains(where: { $0.qat != nil }) {
            columns.insert(Column(header: "qat", sortKey: nil, priority: 4, rightAligned: false) { $0.qat ?? "" }, at: 2)
        }
        return columns
    }

    /// The columns that fit in `width` with their widths, and the gap between them: two
    /// spaces when that costs no column, else one; the least important columns are dropped.
    private func fit(_ columns: [Column], rows: [RunSnapshot], width: Int) -> (columns: [(Column, Int)], gap: Int) {
        let mark = glyphs.legendMark.count + 1
        let sized = columns.enumerated().map { index, column in
            (column, max(header(column).count, (rows.map(column.value).map(\.count).max() ?? 0) + (index == 1 ? mark : 0)))
        }
        func kept(gap: Int) -> [(Column, Int)] {
            var kept = sized
            while kept.count > 2, kept.reduce(0, { $0 + $1.1 }) + gap * (kept.count - 1) > width {
                let drop = kept.indices.max { (kept[$0].0.priority, $0) < (kept[$1].0.priority, $1) }!
                kept.remove(at: drop)
            }
            return kept
        }
        let wide = kept(gap: 2), narrow = kept(gap: 1)
        return wide.count >= narrow.count ? (wide, 2) : (narrow, 1)
    }

    /// The header of `column`, with the sort arrow when the table is sorted by it.
    private func header(_ column: Column) -> String {
        guard let sort, let key = column.sortKey, key == sort.key else { return column.header }
        let arrow = glyphs == .braille ? (sort.reversed ? "▴" : "▾") : (sort.reversed ? "^" : "v")
        return column.header + arrow
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let visibleRows = max(area.height - 1, 0)
        let selectedIndex = runs.firstIndex { $0.id == selectedID }
        let first = min(max((selectedIndex ?? 0) - visibleRows + 1, 0), max(runs.count - visibleRows, 0))
        let shown = Array(runs.dropFirst(first).prefix(visibleRows))
        let mark = glyphs.legendMark + " "
        let selection = Style(fg: palette.text.fg, bg: palette.text.bg, bold: true, reverse: true)
        if let row = shown.firstIndex(where: { $0.id == selectedID }) {
            buffer.fill(Rect(x: area.x, y: area.y + 1 + row, width: area.width, height: 1),
                        with: Cell(" ", style: selection))
        }
        let (fitted, gap) = fit(columns, rows: shown, width: area.width)
        var x = area.x
        for (index, (column, width)) in fitted.enumerated() {
            let title = header(column)
            let values = shown.map(column.value)
            let columnWidth = min(width, area.maxX - x)
            guard columnWidth > 0 else { break }
            func cell(_ text: String) -> String {
                let fitted = Format.truncate(text, to: columnWidth, ascii: glyphs == .ascii)
                let padding = String(repeating: " ", count: columnWidth - fitted.count)
                return column.rightAligned ? padding + fitted : fitted + padding
            }
            let clip = Rect(x: x, y: area.y, width: columnWidth, height: area.height)
            buffer.write(cell(title), x: x, y: area.y, style: palette.dim, clip: clip)
            for (row, run) in shown.enumerated() {
                let y = area.y + 1 + row
                let selected = run.id == selectedID
                let text = selected ? selection : palette.text
                if index == 1 {
                    let after = buffer.write(mark, x: x, y: y, style: palette.run(run.id), clip: clip)
                    let rest = Format.truncate(values[row], to: columnWidth - mark.count, ascii: glyphs == .ascii)
                    buffer.write(Format.pad(rest, to: columnWidth - mark.count), x: after, y: y, style: text, clip: clip)
                } else {
                    let style = column.header == "status" && !selected ? palette.style(for: run.status) : text
                    buffer.write(cell(values[row]), x: x, y: y, style: style, clip: clip)
                }
            }
            x += columnWidth + gap
        }
        for (row, run) in shown.enumerated() {
            buffer.mark(Rect(x: area.x, y: area.y + 1 + row, width: area.width, height: 1), as: .run(id: run.id))
        }
    }
}
