import Core

/// The Propagation page: the ABC decomposition of the quantization error along the chosen
/// run's module chain (docs/analysis.md §3), or R per module for every run side by side, with a chart
/// of R across modules (the paper's Fig. 3: dips at the norms, the rise towards the output).
///
/// Layout: the table panel on top and the chart panel below, or the chart beside the table
/// on wide screens; the chart is left out when the screen is too short for both.
public struct PropagationPage: Widget {
    public var runs: [RunSnapshot]
    public var selectedRun: Int
    public var selectedRow: Int
    public var sideBySide: Bool
    public var palette: Palette
    public var glyphs: GlyphSet

    static let sideChartMinWidth = 150
    /// Shorter screens give every row to the table: a chart squeezed below it shows little.
    static let bottomChartMinHeight = 30
    static let emptyMessage = "no error propagation yet: it appears after the first probe\n(press m to measure now)"

    public init(runs: [RunSnapshot], selectedRun: Int, selectedRow: Int, sideBySide: Bool, palette: Palette,
                glyphs: GlyphSet) {
        self.runs = runs.sorted { $0.id < $1.id }
        self.selectedRun = selectedRun
        self.selectedRow = selectedRow
        self.sideBySide = sideBySide
        self.palette = palette
        self.glyphs = glyphs
    }

    /// How many rows (modules) the page lists, for clamping the selection.
    public static func rowCount(runs: [RunSnapshot], selectedRun: Int, sideBySide: Bool) -> Int {
        if sideBySide { return PropagationColumns.modules(of: runs).count }
        let sorted = runs.sorted { $0.id < $1.id }
        guard !sorted.isEmpty else { return 0 }
        return sorted[RowWindow.clamp(selectedRun, count: sorted.count)].propagation?.modules.count ?? 0
    }

    /// The chosen run (selection clamped), if any.
    var run: RunSnapshot? {
        runs.isEmpty ? nil : runs[RowWindow.clamp(selectedRun, count: runs.count)]
    }

    var columns: PropagationColumns {
        PropagationColumns(runs: runs, selectedRun: selectedRun, selectedRow: selectedRow, palette: palette,
                           glyphs: glyphs)
    }

    /// Every module of the chosen run with all its numbers, or side by side R per module for
    /// every run.
    public var exportTable: ExportTable {
        if sideBySide {
            let columns = columns
            return ExportTable(
                header: ["module"] + runs.map { "r_" + ExportTable.snakeCase($0.name) },
                rows: columns.modules.map { name in
                    [name] + runs.map { ExportTable.number(columns.module(name, of: $0)?.r) }
                })
        }
        guard let run, let report = run.propagation else {
            return ExportTable(header: Self.moduleHeader, rows: [])
        }
        return ExportTable(header: Self.moduleHeader, rows: report.modules.map { module in
            [run.name, "\(report.step)", module.name, module.kind.rawValue, module.layer.map(String.init) ?? ""]
                + [module.r, module.a, module.b, module.c, module.inputError, module.gain, module.spectralRatio,
                   module.alignmentRatio].map(ExportTable.number)
        })
    }

    static let moduleHeader = ["run", "step", "module", "kind", "layer", "r", "a", "b", "c", "input_error", "gain",
                               "spectral_ratio", "alignment_ratio"]

    private var hasData: Bool {
        sideBySide ? runs.contains { $0.propagation?.modules.isEmpty == false }
            : run?.propagation?.modules.isEmpty == false
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        guard hasData else {
            let name = sideBySide ? nil : run?.name
            EmptyPage(title: (["propagation"] + [name].compactMap { $0 }).joined(separator: glyphs.separator),
                      message: runs.isEmpty ? "waiting for runs" : Self.emptyMessage, palette: palette, glyphs: glyphs)
                .render(into: &buffer, area: area)
            return
        }
        var tableArea = area, chartArea = Rect(x: area.x, y: area.maxY, width: 0, height: 0)
        if area.width >= Self.sideChartMinWidth {
            (tableArea, chartArea) = area.splitRight(area.width * 2 / 5)
        } else if area.height >= Self.bottomChartMinHeight {
            (tableArea, chartArea) = area.splitBottom(area.height / 3)
        }
        let tablePanel = Panel(pageTitle: title, palette: palette, glyphs: glyphs)
        tablePanel.render(into: &buffer, area: tableArea)
        let inner = tablePanel.content(of: tableArea)
        let rows: RowWindow
        if sideBySide {
            columns.render(into: &buffer, area: inner)
            rows = columns.rowWindow(area: inner)
        } else if let report = run?.propagation {
            let table = PropagationTable(report: report, selectedRow: selectedRow, palette: palette, glyphs: glyphs)
            table.render(into: &buffer, area: inner)
            rows = table.rowWindow(area: inner)
        } else {
            return
        }
        rows.renderLabel(into: &buffer, panel: tableArea, glyphs: glyphs, style: palette.dim)
        guard !chartArea.isEmpty else { return }
        let chartPanel = Panel(pageTitle: "R across modules, log scale", palette: palette, glyphs: glyphs)
        chartPanel.render(into: &buffer, area: chartArea)
        chart.render(into: &buffer, area: chartPanel.content(of: chartArea))
    }

    private var title: String {
        let separator = glyphs.separator
        if sideBySide { return ["propagation", "R by optimizer"].joined(separator: separator) }
        guard let run, let report = run.propagation else { return "propagation" }
        return ["propagation", run.name, "step \(report.step)", "R_L \(Format.shortScientific(report.outputError))"]
            .joined(separator: separator)
    }

    /// R against module index (log y): the chosen run's, or every run's side by side.
    private var chart: LineChart {
        let shown = sideBySide ? runs : run.map { [$0] } ?? []
        let series = shown.compactMap { run -> ChartSeries? in
            guard let report = run.propagation else { return nil }
            let points = report.modules.enumerated().map { ChartPoint(x: Double($0.offset), y: $0.element.r) }
            return ChartSeries(name: sideBySide ? RunLabel.short(run, among: runs) : "R", points: points,
                               style: palette.run(run.id))
        }
        return LineChart(series: series, xLabel: "module", logY: true, glyphs: glyphs, axisStyle: palette.axis,
                         labelStyle: palette.dim)
    }
}
