import Core

/// The Propagation page's table for one run: per module in chain order its name, R as a log
/// bar split into A, B and C, R as a number, the gain G and, for linear layers, G1 and G2;
/// the last module (whose R is R_L) stands out. A legend heads it; the selected module's
/// numbers in words close it.
struct PropagationTable {
    var report: PropagationReport
    var selectedRow: Int
    var palette: Palette
    var glyphs: GlyphSet

    static let numberWidth = 8
    static let ratioWidth = 6

    var bar: ABCBar { ABCBar(glyphs: glyphs, palette: palette) }
    var selected: Int { RowWindow.clamp(selectedRow, count: report.modules.count) }

    /// Column widths at one area width: name, bar, and the numbers (R, G, and G1, G2 when the
    /// bar keeps at least 12 cells with them).
    private struct Columns {
        var name: Int
        var bar: Int
        var numbers: [Int]
        var numbersWidth: Int { numbers.reduce(1, +) }

        init(names: [String], width: Int) {
            name = min(max(names.map(\.count).max() ?? 0, 6), 16) + 2
            let all = [PropagationTable.numberWidth] + Array(repeating: PropagationTable.ratioWidth, count: 3)
            numbers = width - name - all.reduce(1, +) - 1 >= 12 ? all : Array(all.prefix(2))
            bar = width - name - numbers.reduce(1, +) - 1
        }
    }

    /// The legend, the selected module's detail, and how many rows of modules fit between them.
    private func layout(_ area: Rect) -> (legend: FlowText, detail: FlowText, rows: RowWindow) {
        let legend = FlowText(chunks: bar.legend + [FlowText.chunk("bar: R, log scale", palette.dim)])
        let detail = FlowText(chunks: report.modules.isEmpty ? []
                              : ModuleDetail(module: report.modules[selected], palette: palette, glyphs: glyphs).chunks)
        let fixed = legend.rowCount(width: area.width) + 1
            + ModuleDetail.rows(of: detail, width: area.width, height: area.height)
        return (legend, detail,
                RowWindow(count: report.modules.count, selected: selected, visible: area.height - fixed))
    }

    func rowWindow(area: Rect) -> RowWindow { layout(area).rows }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty, let scale = LogScale(values: report.modules.map(\.r)) else { return }
        let (legend, detail, rows) = layout(area)
        guard rows.range.count > 0 else { return }
        legend.render(into: &buffer, area: area)
        let names = report.modules.map { ModuleName.short($0.name) }
        let columns = Columns(names: names, width: area.width)
        let headerY = area.y + legend.rowCount(width: area.width)
        renderHeader(scale: scale, columns: columns, into: &buffer, y: headerY, area: area)
        for (line, index) in rows.range.enumerated() {
            buffer.mark(Rect(x: area.x, y: headerY + 1 + line, width: area.width, height: 1), as: .row(index))
            renderRow(index, name: names[index], scale: scale, columns: columns, into: &buffer,
                      y: headerY + 1 + line, area: area)
        }
        let detailTop = headerY + 1 + rows.range.count
        detail.render(into: &buffer,
                      area: Rect(x: area.x, y: detailTop, width: area.width, height: area.maxY - detailTop))
    }

    /// Column titles, with the bar's log axis ends above the bar column.
    private func renderHeader(scale: LogScale, columns: Columns, into buffer: inout CellBuffer, y: Int, area: Rect) {
        buffer.write("module", x: area.x, y: y, style: palette.dim, clip: area)
        if columns.bar >= scale.lowLabel.count + scale.highLabel.count + 2 {
            buffer.write(scale.lowLabel, x: area.x + columns.name, y: y, style: palette.dim, clip: area)
            buffer.write(scale.highLabel, x: area.x + columns.name + columns.bar - scale.highLabel.count, y: y,
                         style: palette.dim, clip: area)
        }
        let titles = ["R", "G", "G1", "G2"].prefix(columns.numbers.count)
        writeNumbers(zip(titles, columns.numbers).map { ($0, $1, palette.dim) }, x: area.maxX - columns.numbersWidth,
                     y: y, into: &buffer, clip: area)
    }

    private func renderRow(_ index: Int, name: String, scale: LogScale, columns: Columns,
                           into buffer: inout CellBuffer, y: Int, area: Rect) {
        let module = report.modules[index]
        let isOutput = index == report.modules.count - 1
        let nameStyle = index == selected ? palette.highlight : (isOutput ? palette.title : palette.text)
        buffer.write(glyphs.rowLabel(name, selected: index == selected, width: columns.name), x: area.x, y: y,
                     style: nameStyle, clip: area)
        bar.render(module, scale: scale, into: &buffer,
                   area: Rect(x: area.x + columns.name, y: y, width: columns.bar, height: 1).intersection(area))
        func ratio(_ value: Double?) -> String { value.map { Format.fit($0, width: Self.ratioWidth - 1) } ?? "" }
        let texts = [(Format.shortScientific(module.r), isOutput ? palette.title : palette.text),
                     (Format.fit(module.gain, width: Self.ratioWidth - 1), palette.text),
                     (ratio(module.spectralRatio), palette.dim), (ratio(module.alignmentRatio), palette.dim)]
        writeNumbers(zip(texts, columns.numbers).map { ($0.0, $1, $0.1) }, x: area.maxX - columns.numbersWidth,
                     y: y, into: &buffer, clip: area)
    }

    /// Texts right-aligned in consecutive columns of the given widths, after one space at `x`.
    private func writeNumbers(_ cells: [(String, Int, Style)], x: Int, y: Int, into buffer: inout CellBuffer,
                              clip: Rect) {
        var column = x + 1
        for (text, width, style) in cells {
            buffer.write(Format.padLeft(text, to: width), x: column, y: y, style: style, clip: clip)
            column += width
        }
    }
}
