import Core

/// The Training view: every run's loss curves overlaid (smoothed, with the raw curves faded
/// behind), the run table below, and on wide screens the selected run's numbers beside the
/// chart.
///
/// The selected run is drawn last, in full colour, and its row is highlighted; the others
/// are faded so it stands out among six.
public struct TrainingPage: ExportableWidget {
    /// Every run, sorted by id.
    public var runs: [RunSnapshot]
    public var state: DashboardState
    public var palette: Palette
    public var glyphs: GlyphSet

    public init(runs: [RunSnapshot], state: DashboardState, palette: Palette, glyphs: GlyphSet) {
        self.runs = runs
        self.state = state
        self.palette = palette
        self.glyphs = glyphs
    }

    /// Screens at least this wide put the selected run's stats beside the chart.
    static let sidePanelMinWidth = 110
    static let sidePanelWidth = 36

    public func render(into buffer: inout CellBuffer, area: Rect) {
        var chartArea = area
        let selected = state.selectedRun(in: runs)
        if let selected {
            let (top, bottom) = area.splitBottom(min(runs.count + 3, max(area.height / 2, 4)))
            chartArea = top
            let table = panel("runs" + glyphs.separator + "sort \(state.sort.key.rawValue)"
                              + (state.sort.reversed ? " reversed" : ""))
            table.render(into: &buffer, area: bottom)
            RunTable(runs: state.sort.order(runs), palette: palette, glyphs: glyphs, selectedID: selected.id,
                     sort: state.sort, animationFrame: state.animationFrame)
                .render(into: &buffer, area: padded(table.inner(of: bottom)))
            if area.width >= Self.sidePanelMinWidth {
                let statsArea: Rect
                (chartArea, statsArea) = top.splitRight(Self.sidePanelWidth)
                let stats = panel(selected.name)
                stats.render(into: &buffer, area: statsArea)
                RunStats(run: selected, palette: palette).render(into: &buffer, area: padded(stats.inner(of: statsArea)))
            }
        }
        let chartPanel = panel(chartTitle)
        chartPanel.render(into: &buffer, area: chartArea)
        let curves = TrainingCurves(runs: runs, selectedID: selected?.id, settings: state.chart, palette: palette)
        LineChart(series: curves.series, xLabel: state.chart.xAxis.rawValue, logY: state.chart.logY, glyphs: glyphs,
                  axisStyle: palette.axis, labelStyle: palette.dim,
                  emptyMessage: runs.isEmpty ? "waiting for runs" : "waiting for the first step",
                  xWindow: state.chart.window, xTick: state.chart.xAxis.tick, legend: curves.legend)
            .render(into: &buffer, area: padded(chartPanel.inner(of: chartArea)))
    }

    /// "loss · smoothing 0.6 · log y · zoom 4×": the settings that change what the curves mean.
    var chartTitle: String {
        let chart = state.chart
        var parts = ["loss", chart.smoothingEnabled ? "smoothing \(Format.tick(chart.smoothing))" : "raw"]
        if chart.logY { parts.append("log y") }
        if chart.zoom > 1 { parts.append("zoom \(Format.tick(chart.zoom))\(glyphs.times)") }
        return parts.joined(separator: glyphs.separator)
    }

    /// Every run's train and val points, one row each.
    public var exportTable: ExportTable {
        var rows: [[String]] = []
        for run in runs {
            for (split, history) in [("train", run.trainHistory), ("val", run.valHistory)] {
                rows += history.points.map { point in
                    ["\(run.id)", run.name, run.optimizer?.rawValue ?? "", split, "\(point.step)", "\(point.tokens)",
                     "\(point.time)", "\(point.value)"]
                }
            }
        }
        return ExportTable(header: ["run_id", "run", "optimizer", "split", "step", "tokens", "time", "value"], rows: rows)
    }

    private func panel(_ title: String) -> Panel {
        Panel(title: title, glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
    }

    /// A panel's inside less one column each side, so content doesn't touch the border.
    private func padded(_ inner: Rect) -> Rect {
        Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
    }
}

extension XAxis {
    /// The x value of a logged point on this axis.
    func value(_ point: MetricPoint) -> Double {
        switch self {
        case .step: return Double(point.step)
        case .tokens: return Double(point.tokens)
        case .time: return point.time
        }
    }

    /// How axis ends are written: steps exact, tokens compact, time as h:mm:ss.
    var tick: @Sendable (Double) -> String {
        switch self {
        case .step: return Format.step
        case .tokens: return Format.count
        case .time: return Format.duration
        }
    }
}
