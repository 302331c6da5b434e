import Foundation

/// The Compare page's run table: one row per run, one column per loss or statistic, the
/// lowest value of each numeric column highlighted. Columns no run has a value for are left
/// out, and on narrow screens the least important go first.
struct CompareTable {
    var rows: [CompareRow]
    var selectedRow: Int
    var palette: Palette
    var glyphs: GlyphSet

    struct Column: Sendable {
        var header: String
        var exportName: String
        var value: @Sendable (CompareRow) -> Double?
        var format: @Sendable (Double) -> String
        /// Columns with lower priority are dropped first when the screen is narrow.
        var priority: Int
    }

    static func loss(_ value: Double) -> String { String(format: "%.3f", value) }
    static func increase(_ value: Double) -> String { String(format: "%+.3f", value) }
    static func statistic(_ value: Double) -> String { Format.fit(value, width: 7) }

    static let columns = [
        Column(header: "fp val", exportName: "fp_val_loss", value: { $0.fullPrecisionLoss }, format: loss,
               priority: 90),
        Column(header: "+rtn", exportName: "rtn_increase", value: { $0.rtnIncrease }, format: increase,
               priority: 95),
        Column(header: "+gptq", exportName: "gptq_increase", value: { $0.gptqIncrease }, format: increase,
               priority: 50),
        Column(header: "qat val", exportName: "qat_val_loss", value: { $0.qatLoss }, format: loss, priority: 55),
        Column(header: "qat gap", exportName: "qat_gap", value: { $0.qatGap }, format: increase, priority: 60),
        Column(header: "MMR", exportName: "mean_mmr", value: { $0.meanMMR }, format: statistic, priority: 70),
        Column(header: "kurt", exportName: "mean_kurtosis", value: { $0.meanKurtosis }, format: statistic,
               priority: 65),
        Column(header: "rms-kurt", exportName: "mean_rms_kurtosis", value: { $0.meanRMSKurtosis },
               format: statistic, priority: 40),
        Column(header: "R_L", exportName: "r_l", value: { $0.outputError }, format: { Format.shortScientific($0) },
               priority: 85),
    ]

    /// What the headers shown at `width` mean, phrase by phrase, for the caption under the table.
    func caption(width: Int) -> [String] {
        let shown = Set(fitted(width: width).map(\.column.header))
        let notes = [("+rtn", "+rtn/+gptq: W4A4 val loss increase over full precision"),
                     ("qat gap", "qat gap: QAT val loss minus the fp run's"),
                     ("MMR", "MMR, kurt: means over layers")]
        return notes.filter { shown.contains($0.0) }.map(\.1) + ["lowest per column highlighted"]
    }

    var selected: Int { RowWindow.clamp(selectedRow, count: rows.count) }

    func rowWindow(height: Int) -> RowWindow {
        RowWindow(count: rows.count, selected: selected, visible: height - 1)
    }

    private var labels: [String] { rows.map { RunLabel.short($0.run, among: rows.map(\.run)) } }
    private var tags: [String] { rows.map { $0.run.qat ?? "" } }
    /// The run column: selection marker, colour mark and label.
    private var nameWidth: Int { min(max(labels.map(\.count).max() ?? 0, 9) + glyphs.legendMark.count + 2, 24) }
    /// The QAT tag column with its gap, 0 when no run has a tag.
    private var qatWidth: Int {
        let widest = tags.map(\.count).max() ?? 0
        return widest > 0 ? min(max(widest, 3), 12) + 2 : 0
    }

    /// The columns shown at `width`: those with a value for some run, by priority while they fit.
    private func fitted(width: Int) -> [(column: Column, width: Int)] {
        let nameWidth = nameWidth, qatWidth = qatWidth
        var shown = Self.columns.filter { column in rows.contains { column.value($0) != nil } }
            .map { column in
                (column: column, width: rows.compactMap(column.value).map(column.format).map(\.count)
                    .reduce(column.header.count, max))
            }
        func total() -> Int { nameWidth + qatWidth + shown.reduce(0) { $0 + $1.width + 2 } }
        while total() > width,
              let weakest = shown.indices.min(by: { shown[$0].column.priority < shown[$1].column.priority }) {
            shown.remove(at: weakest)
        }
        return shown
    }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty, !rows.isEmpty else { return }
        let labels = labels, tags = tags, nameWidth = nameWidth, qatWidth = qatWidth
        let columns = fitted(width: area.width)
        let window = rowWindow(height: area.height)
        buffer.write("optimizer", x: area.x, y: area.y, style: palette.dim, clip: area)
        if qatWidth > 0 { buffer.write("qat", x: area.x + nameWidth + 2, y: area.y, style: palette.dim, clip: area) }
        var x = area.x + nameWidth + qatWidth
        for (column, width) in columns {
            buffer.write(Format.padLeft(column.header, to: width), x: x + 2, y: area.y, style: palette.dim, clip: area)
            let best = rows.compactMap(column.value).filter(\.isFinite).min()
            for (line, index) in window.range.enumerated() {
                guard let value = column.value(rows[index]) else { continue }
                buffer.write(Format.padLeft(column.format(value), to: width), x: x + 2, y: area.y + 1 + line,
                             style: value == best ? palette.highlight : palette.text, clip: area)
            }
            x += width + 2
        }
        for (line, index) in window.range.enumerated() {
            let y = area.y + 1 + line, run = rows[index].run
            buffer.mark(Rect(x: area.x, y: y, width: area.width, height: 1), as: .row(index))
            let after = buffer.write(index == selected ? glyphs.selectionMarker : " ", x: area.x, y: y,
                                     style: palette.highlight, clip: area)
            let labelX = buffer.write(glyphs.legendMark + " ", x: after, y: y, style: palette.run(run.id), clip: area)
            buffer.write(Format.truncate(labels[index], to: nameWidth - (labelX - area.x), ascii: glyphs == .ascii),
                         x: labelX, y: y, style: index == selected ? palette.highlight : palette.text, clip: area)
            if qatWidth > 0 {
                buffer.write(Format.truncate(tags[index], to: qatWidth - 2, ascii: glyphs == .ascii),
                             x: area.x + nameWidth + 2, y: y, style: palette.text, clip: area)
            }
        }
    }
}
