import Core

/// The Layers page: every linear layer's outlier statistics and W4A4 error as a heatmap, for
/// one run (columns are metrics) or side by side (columns are runs, for one metric), with the
/// selected cell's exact value and history in a detail panel.
///
/// Layout: the heatmap panel with the detail panel below it, or beside it on wide screens
/// where the detail panel is tall enough to chart the history.
public struct LayersPage: Widget {
    public var runs: [RunSnapshot]
    public var selectedRun: Int
    public var selectedRow: Int
    public var selectedMetric: Int
    public var sideBySide: Bool
    public var showValues: Bool
    public var palette: Palette
    public var glyphs: GlyphSet

    /// Screens at least this wide put the detail panel beside the heatmap.
    static let sideDetailMinWidth = 140
    static let sideDetailWidth = 56
    static let emptyMessage = "no layer statistics yet: they appear after the first probe\n(press m to measure now)"

    public init(runs: [RunSnapshot], selectedRun: Int, selectedRow: Int, selectedMetric: Int, sideBySide: Bool,
                showValues: Bool, palette: Palette, glyphs: GlyphSet) {
        self.runs = runs
        self.selectedRun = selectedRun
        self.selectedRow = selectedRow
        self.selectedMetric = selectedMetric
        self.sideBySide = sideBySide
        self.showValues = showValues
        self.palette = palette
        self.glyphs = glyphs
    }

    /// How many metrics `selectedMetric` chooses from.
    public static let metricCount = LayerMetric.allCases.count

    /// How many rows (layers) the page lists, for clamping the selection.
    public static func rowCount(runs: [RunSnapshot], selectedRun: Int, sideBySide: Bool) -> Int {
        LayerGrid(runs: runs, selectedRun: selectedRun, selectedRow: 0, selectedMetric: 0, sideBySide: sideBySide)
            .layers.count
    }

    var grid: LayerGrid {
        LayerGrid(runs: runs, selectedRun: selectedRun, selectedRow: selectedRow, selectedMetric: selectedMetric,
                  sideBySide: sideBySide)
    }

    /// The table shown: one row per layer with every metric, or side by side one column per
    /// run for the selected metric (the `metric` column names it).
    public var exportTable: ExportTable {
        let grid = grid
        if sideBySide {
            let metric = grid.columns.first?.metric ?? LayerMetric.allCases[0]
            return ExportTable(
                header: ["layer", "metric"] + grid.columns.map { ExportTable.snakeCase($0.run.name) },
                rows: grid.layers.indices.map { row in
                    [grid.layers[row], metric.rawValue] + grid.values[row].map(ExportTable.number)
                })
        }
        let run = grid.columns.first?.run
        return ExportTable(
            header: ["run", "step", "layer"] + LayerMetric.allCases.map(\.rawValue),
            rows: grid.layers.indices.map { row in
                [run?.name ?? "", "\(run?.layers?.step ?? 0)", grid.layers[row]]
                    + grid.values[row].map(ExportTable.number)
            })
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let grid = grid
        guard !grid.isEmpty else {
            let run = sideBySide ? nil : grid.columns.first?.run.name
            EmptyPage(title: (["layers"] + [run].compactMap { $0 }).joined(separator: glyphs.separator),
                      message: runs.isEmpty ? "waiting for runs" : Self.emptyMessage, palette: palette, glyphs: glyphs)
                .render(into: &buffer, area: area)
            return
        }
        let ramp = HeatRamp(palette: palette, glyphs: glyphs)
        let detail = LayerDetail(grid: grid, ramp: ramp, palette: palette, glyphs: glyphs)
        let heatmap = LayerHeatmap(grid: grid, showValues: showValues, ramp: ramp, palette: palette, glyphs: glyphs)
        var heatArea = area, detailArea = Rect(x: area.x, y: area.maxY, width: 0, height: 0)
        if area.width >= Self.sideDetailMinWidth {
            // The heatmap no wider than it can use (plus border and padding); the chart gets the rest.
            (heatArea, detailArea) = area.splitRight(max(Self.sideDetailWidth, area.width - heatmap.preferredWidth - 4))
        } else if area.height >= 12 {
            (heatArea, detailArea) = area.splitBottom(5)
        }
        let heatPanel = Panel(pageTitle: title(grid), palette: palette, glyphs: glyphs)
        heatPanel.render(into: &buffer, area: heatArea)
        let heatInner = heatPanel.content(of: heatArea)
        heatmap.render(into: &buffer, area: heatInner)
        heatmap.rowWindow(height: heatInner.height)
            .renderLabel(into: &buffer, panel: heatArea, glyphs: glyphs, style: palette.dim)
        guard !detailArea.isEmpty else { return }
        let detailPanel = Panel(pageTitle: detail.title, palette: palette, glyphs: glyphs)
        detailPanel.render(into: &buffer, area: detailArea)
        detail.render(into: &buffer, area: detailPanel.content(of: detailArea))
    }

    private func title(_ grid: LayerGrid) -> String {
        let separator = glyphs.separator
        if sideBySide {
            let metric = grid.columns.first?.metric.label ?? ""
            return ["layers", "\(metric) by optimizer"].joined(separator: separator)
        }
        guard let run = grid.columns.first?.run else { return "layers" }
        return ["layers", run.name, "step \(run.layers?.step ?? run.step)"].joined(separator: separator)
    }

}
