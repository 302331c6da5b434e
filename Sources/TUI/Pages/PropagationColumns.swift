import Core

/// The Propagation page side by side: one row per module (every run's chain merged in
/// order), one column per run with R as a bar on one shared log scale (in the run's colour)
/// and as a number; a footer row gives each run's R_L, the lowest highlighted.
struct PropagationColumns {
    /// Runs sorted by id; runs without a report keep their column, empty.
    var runs: [RunSnapshot]
    var selectedRun: Int
    var selectedRow: Int
    var palette: Palette
    var glyphs: GlyphSet

    static let numberWidth = 7
    static let widestColumn = 26

    /// Module names of every run's chain, each once, in chain order.
    var modules: [String] { Self.modules(of: runs) }

    static func modules(of runs: [RunSnapshot]) -> [String] {
        LayerGrid.union(runs.compactMap(\.propagation).map { $0.modules.map(\.name) })
    }

    var selected: Int { RowWindow.clamp(selectedRow, count: modules.count) }
    var selectedColumn: Int { RowWindow.clamp(selectedRun, count: runs.count) }

    func module(_ name: String, of run: RunSnapshot) -> ModuleError? {
        run.propagation?.modules.first { $0.name == name }
    }

    /// The selected module in the selected run, in words.
    private var detail: FlowText {
        let names = modules
        guard runs.indices.contains(selectedColumn), names.indices.contains(selected),
              let module = module(names[selected], of: runs[selectedColumn]) else { return FlowText(chunks: []) }
        let run = runs[selectedColumn]
        return FlowText(chunks: [FlowText.chunk(RunLabel.short(run, among: runs) + ":", palette.run(run.id))]
                        + ModuleDetail(module: module, palette: palette, glyphs: glyphs).chunks)
    }

    func rowWindow(area: Rect) -> RowWindow {
        RowWindow(count: modules.count, selected: selected,
                  visible: area.height - 3 - ModuleDetail.rows(of: detail, width: area.width, height: area.height))
    }

    /// Widths at one area width: the name column, each run's column, and the bar inside it.
    private struct Layout {
        var name: Int
        var column: Int
        var bar: Int { column - PropagationColumns.numberWidth - 2 }
        var columns: RowWindow
    }

    private func layout(names: [String], width: Int) -> Layout {
        let name = min(max(names.map(\.count).max() ?? 0, 6), 16) + 2
        let column = min(max((width - name) / max(runs.count, 1), Self.numberWidth + 1), Self.widestColumn)
        return Layout(name: name, column: column,
                      columns: RowWindow(count: runs.count, selected: selectedColumn,
                                         visible: max((width - name) / column, 1)))
    }

    func render(into buffer: inout CellBuffer, area: Rect) {
        let allR = runs.compactMap(\.propagation).flatMap { $0.modules.map(\.r) }
        guard !area.isEmpty, !runs.isEmpty, let scale = LogScale(values: allR) else { return }
        let rows = rowWindow(area: area)
        guard rows.range.count > 0 else { return }
        let names = modules.map(ModuleName.short)
        let layout = layout(names: names, width: area.width)
        let axis = "\(scale.lowLabel)\(glyphs.rangeSeparator)\(scale.highLabel)"
        buffer.write("R per module; bars on a log scale \(axis)", x: area.x, y: area.y, style: palette.dim, clip: area)
        buffer.write("module", x: area.x, y: area.y + 1, style: palette.dim, clip: area)
        for (slot, column) in layout.columns.range.enumerated() {
            renderColumn(column, x: area.x + layout.name + slot * layout.column, rows: rows, scale: scale,
                         layout: layout, into: &buffer, area: area)
        }
        for (line, index) in rows.range.enumerated() {
            buffer.mark(Rect(x: area.x, y: area.y + 2 + line, width: area.width, height: 1), as: .row(index))
            buffer.write(glyphs.rowLabel(names[index], selected: index == selected, width: layout.name), x: area.x,
                         y: area.y + 2 + line, style: index == selected ? palette.highlight : palette.text, clip: area)
        }
        let footerY = area.y + 2 + rows.range.count
        renderOutputErrors(layout: layout, into: &buffer, y: footerY, clip: area)
        detail.render(into: &buffer, area: Rect(x: area.x, y: footerY + 1, width: area.width,
                                                                   height: area.maxY - footerY - 1))
    }

    /// One run's column: its label (highlighted when selected), then per module a bar in the
    /// run's colour and R right-aligned.
    private func renderColumn(_ column: Int, x: Int, rows: RowWindow, scale: LogScale, layout: Layout,
                              into buffer: inout CellBuffer, area: Rect) {
        let run = runs[column], names = modules
        let clip = Rect(x: x, y: area.y, width: layout.column - 1, height: area.height).intersection(area)
        let title = Format.truncate(RunLabel.short(run, among: runs), to: layout.column - 1, ascii: glyphs == .ascii)
        buffer.write(Format.padLeft(title, to: layout.column - 1), x: x, y: area.y + 1,
                     style: column == selectedColumn ? palette.highlight : palette.run(run.id), clip: clip)
        let barGlyph: Character = glyphs == .braille ? "█" : "#"
        for (line, index) in rows.range.enumerated() {
            guard let module = module(names[index], of: run) else { continue }
            let y = area.y + 2 + line
            if layout.bar >= 2 {
                buffer.write(String(repeating: barGlyph, count: scale.length(of: module.r, width: layout.bar)), x: x,
                             y: y, style: palette.run(run.id), clip: clip)
            }
            buffer.write(Format.padLeft(Format.shortScientific(module.r), to: Self.numberWidth),
                         x: x + layout.column - 1 - Self.numberWidth, y: y, style: palette.text, clip: clip)
        }
    }

    /// The footer: each run's R_L, the lowest (best) highlighted.
    private func renderOutputErrors(layout: Layout, into buffer: inout CellBuffer, y: Int, clip: Rect) {
        buffer.write(" R_L", x: clip.x, y: y, style: palette.title, clip: clip)
        let best = runs.compactMap { $0.propagation?.outputError }.min()
        for (slot, column) in layout.columns.range.enumerated() {
            guard let value = runs[column].propagation?.outputError else { continue }
            let x = clip.x + layout.name + slot * layout.column
            buffer.write(Format.padLeft(Format.shortScientific(value), to: layout.column - 1), x: x, y: y,
                         style: value == best ? palette.highlight : palette.text,
                         clip: Rect(x: x, y: y, width: layout.column - 1, height: 1).intersection(clip))
        }
    }
}
