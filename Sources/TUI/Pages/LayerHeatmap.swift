/// The Layers page's heatmap: a header row of column titles, then one row per layer whose
/// cells are coloured (or shaded) by heat position, with the value printed in them when asked
/// and when it fits.
///
/// Rows scroll to keep the selected one visible; columns that do not fit scroll the same way
/// around the selected column.
struct LayerHeatmap {
    var grid: LayerGrid
    var showValues: Bool
    var ramp: HeatRamp
    var palette: Palette
    var glyphs: GlyphSet

    /// Columns narrower than this drop their value; columns are never made narrower than this
    /// (more scroll instead) nor wider than `widestCell`.
    static let narrowestCell = 4
    static let widestCell = 14

    /// The rows shown in an area this tall (one row goes to the header).
    func rowWindow(height: Int) -> RowWindow {
        RowWindow(count: grid.layers.count, selected: grid.selectedRow, visible: height - 1)
    }

    private var names: [String] { grid.layers.map(ModuleName.short) }

    /// The layer-name column: the longest short name (5 to 14) plus marker and gap.
    private var labelWidth: Int { min(max(names.map(\.count).max() ?? 0, 5), 14) + 2 }

    /// The width at which every column gets its widest cell: more is left empty.
    var preferredWidth: Int { labelWidth + grid.columns.count * Self.widestCell }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty, !grid.isEmpty else { return }
        let names = names, labelWidth = labelWidth
        let room = area.width - labelWidth
        let cellWidth = min(max(room / grid.columns.count, Self.narrowestCell), Self.widestCell)
        let columns = RowWindow(count: grid.columns.count, selected: grid.selectedColumn,
                                visible: max(room / cellWidth, 1))
        let rows = rowWindow(height: area.height)

        buffer.write(Format.pad("layer", to: labelWidth), x: area.x, y: area.y, style: palette.dim, clip: area)
        for (slot, column) in columns.range.enumerated() {
            let title = Format.truncate(grid.columns[column].title, to: cellWidth - 1, ascii: glyphs == .ascii)
            let style = column == grid.selectedColumn ? palette.highlight : palette.dim
            let x = area.x + labelWidth + slot * cellWidth
            buffer.write(Format.padLeft(title, to: cellWidth - 1), x: x, y: area.y,
                         style: style, clip: area)
        }
        for (line, row) in rows.range.enumerated() {
            let y = area.y + 1 + line
            buffer.mark(Rect(x: area.x, y: y, width: area.width, height: 1), as: .row(row))
            let selected = row == grid.selectedRow
            let label = glyphs.rowLabel(names[row], selected: selected, width: labelWidth)
            buffer.write(label, x: area.x, y: y, style: selected ? palette.highlight : palette.text, clip: area)
            for (slot, column) in columns.range.enumerated() {
                let cell = Rect(x: area.x + labelWidth + slot * cellWidth, y: y, width: cellWidth - 1, height: 1)
                drawCell(row: row, column: column, into: &buffer, cell: cell.intersection(area))
            }
        }
    }

    /// One cell: background colour (or shading) by heat, the value right-aligned on top; the
    /// selected cell in reverse video, which survives every colour mode.
    private func drawCell(row: Int, column: Int, into buffer: inout CellBuffer, cell: Rect) {
        guard !cell.isEmpty else { return }
        let selected = row == grid.selectedRow && column == grid.selectedColumn
        guard let value = grid.values[row][column], let t = grid.positions[row][column] else {
            var style = palette.dim
            style.reverse = selected
            buffer.fill(cell, with: Cell(" ", style: style))
            // An unbounded value (the MMR of a mostly-zero input) says so; a missing one is "-".
            let mark = grid.values[row][column].map(Format.metric) ?? "-"
            buffer.write(mark, x: cell.maxX - 1 - mark.count, y: cell.y, style: style, clip: cell)
            return
        }
        var style = ramp.style(t)
        if selected {
            style.reverse = true
            style.bold = true
        }
        let shadeWidth = ramp.usesColor ? 0 : (showValues ? min(2, cell.width) : cell.width)
        buffer.fill(cell, with: Cell(" ", style: style))
        for x in cell.x..<(cell.x + shadeWidth) { buffer.set(x: x, y: cell.y, Cell(ramp.shade(t), style: style)) }
        let textWidth = cell.width - shadeWidth - 2
        guard showValues, textWidth >= 2 else { return }
        let text = Format.fit(value, width: textWidth)
        buffer.write(text, x: cell.maxX - 1 - text.count, y: cell.y, style: style, clip: cell)
    }
}
