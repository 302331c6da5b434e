/// The Layers page's detail panel for the selected cell: exact value, rank and range in its
/// colour group, its sparkline over training, the colour legend, and, when there is room, a
/// chart of its history (every run's, side by side).
struct LayerDetail {
    var grid: LayerGrid
    var ramp: HeatRamp
    var palette: Palette
    var glyphs: GlyphSet

    /// The detail panel's title: the selected cell in short.
    var title: String {
        guard let selection = grid.selection else { return "detail" }
        return [ModuleName.short(selection.layer), selection.column.metric.label,
                RunLabel.short(selection.column.run, among: grid.columns.map(\.run))]
            .joined(separator: glyphs.separator)
    }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty, let selection = grid.selection else { return }
        let history = grid.selectionHistory()
        var chunks = [
            FlowText.chunk(selection.layer, palette.text),
            FlowText.chunk([("\(selection.column.metric.label) ", palette.dim),
                            (Format.metric(selection.value), palette.highlight)]),
        ]
        let group = grid.selectionGroup
        if let value = selection.value, value.isFinite, let low = group.min(), let high = group.max() {
            let rank = group.filter { $0 > value }.count + 1
            let scope = grid.sharedScale ? "" : " in column"
            chunks.append(FlowText.chunk("\(Self.ordinal(rank)) highest of \(group.count)\(scope)", palette.dim))
            let range = Format.fit(low, width: 8) + glyphs.rangeSeparator + Format.fit(high, width: 8)
            chunks.append(FlowText.chunk("range " + range, palette.dim))
        }
        chunks.append(sparklineChunk(history, style: palette.run(selection.column.run.id),
                                     width: min(32, area.width - 24)))
        chunks.append(legendChunk())
        let flow = FlowText(chunks: chunks)
        flow.render(into: &buffer, area: area)
        let used = flow.rowCount(width: area.width) + 1
        guard area.height - used >= 8 else { return }
        historyChart.render(into: &buffer, area: area.splitTop(used).rest)
    }

    /// "history ▁▂▄▇ steps 20–120", or a note that the history is still empty.
    private func sparklineChunk(_ history: [(step: Int, value: Double)], style: Style, width: Int) -> [Cell] {
        guard let first = history.first, let last = history.last else {
            return FlowText.chunk("no history yet", palette.dim)
        }
        let line = Sparkline(values: history.map(\.value), glyphs: glyphs, style: style)
        return FlowText.chunk([("history ", palette.dim), (line.text(width: max(width, 8)), style),
                               (" steps \(first.step)\(glyphs.dash)\(last.step)", palette.dim)])
    }

    /// 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, 21st.
    static func ordinal(_ n: Int) -> String {
        let suffix: String
        switch (n % 10, n % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }

    /// "low ░▒▓█ high: log scale per column".
    private func legendChunk() -> [Cell] {
        let scale: String
        if grid.sharedScale {
            scale = "\(grid.scales.first?.rawValue ?? "log") scale across runs"
        } else {
            let kinds = Set(grid.scales)
            scale = kinds.count == 1 ? "\(kinds.first!.rawValue) scale per column"
                : "log scale per column (rank if \(glyphs.atMost) 0)"
        }
        return FlowText.chunk("low ", palette.dim) + ramp.legend(width: 8)
            + FlowText.chunk(" high: \(scale)", palette.dim)
    }

    /// The selected layer's metric over training: one curve per column side by side, so the
    /// optimizers can be compared directly.
    private var historyChart: LineChart {
        let columns = grid.sharedScale ? grid.columns : grid.selection.map { [$0.column] } ?? []
        let layer = grid.layers[grid.selectedRow]
        let series = columns.compactMap { column -> ChartSeries? in
            let history = LayerGrid.history(of: column, layer: layer)
            guard !history.isEmpty else { return nil }
            return ChartSeries(name: grid.sharedScale ? column.title : column.metric.label,
                               points: history.map { ChartPoint(x: Double($0.step), y: $0.value) },
                               style: palette.run(column.run.id))
        }
        return LineChart(series: series, xLabel: "step", glyphs: glyphs, axisStyle: palette.axis,
                         labelStyle: palette.dim, emptyMessage: "no history yet")
    }
}
