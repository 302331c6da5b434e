import Core

/// Builds whole dashboard frames from run snapshots: a pure function of its inputs, so every
/// frame can be snapshot-tested without a terminal.
///
/// Layout: title bar; the loss chart (train and val of every run) with, for one run, its
/// stats beside it (wide screens) or below it, and for several runs a table below it; the
/// status line; the key help bar. The `?` overlay goes on top.
public struct DashboardView: Sendable {
    public var palette: Palette
    public var glyphs: GlyphSet
    public var colorMode: ColorMode
    public var keyMap: KeyMap
    public var minimumSize: Size

    /// Screens at least this wide put a single run's stats beside the chart, not below it.
    static let sidePanelMinWidth = 110
    static let sidePanelWidth = 36

    public init(theme: Theme = .builtIn, glyphs: GlyphSet, colorMode: ColorMode,
                keyMap: KeyMap = .dashboard, minimumSize: Size = Size(width: 60, height: 16)) {
        palette = Palette(theme: theme, colorMode: colorMode)
        self.glyphs = glyphs
        self.colorMode = colorMode
        self.keyMap = keyMap
        self.minimumSize = minimumSize
    }

    public func render(snapshots runs: [RunSnapshot], size: Size, state: DashboardState) -> CellBuffer {
        var buffer = CellBuffer(size: size, filling: Cell(" ", style: palette.text))
        let screen = Rect(size: size)
        guard size.width >= minimumSize.width, size.height >= minimumSize.height else {
            TooSmallScreen(have: size, need: minimumSize, glyphs: glyphs, style: palette.text,
                           emphasis: palette.warn).render(into: &buffer, area: screen)
            return buffer
        }
        let (titleRow, rest) = screen.splitTop(1)
        let (body, bars) = rest.splitBottom(2)
        TitleBar(title: "qscope", summary: summary(runs), style: palette.statusBar)
            .render(into: &buffer, area: titleRow)
        renderBody(runs, into: &buffer, area: body)
        statusLine(runs, state: state).render(into: &buffer, area: bars.splitTop(1).top)
        KeyHelpBar(bindings: keyMap.bindings, keyStyle: palette.highlight, textStyle: palette.dim)
            .render(into: &buffer, area: bars.splitTop(1).rest)
        if state.showHelp {
            HelpOverlay(bindings: keyMap.bindings, notes: ["Ctrl-C also quits"], glyphs: glyphs,
                        palette: palette).render(into: &buffer, area: body)
        }
        return buffer
    }

    private func renderBody(_ runs: [RunSnapshot], into buffer: inout CellBuffer, area: Rect) {
        var chartArea = area
        if runs.count > 1 {
            let (top, bottom) = area.splitBottom(min(runs.count + 3, area.height / 2))
            chartArea = top
            let panel = panel("runs")
            panel.render(into: &buffer, area: bottom)
            RunTable(runs: runs, palette: palette, glyphs: glyphs)
                .render(into: &buffer, area: padded(panel.inner(of: bottom)))
        } else if let run = runs.first {
            let statsArea: Rect
            if area.width >= Self.sidePanelMinWidth {
                (chartArea, statsArea) = area.splitRight(Self.sidePanelWidth)
            } else {
                (chartArea, statsArea) = area.splitBottom(6)
            }
            let panel = panel(run.name)
            panel.render(into: &buffer, area: statsArea)
            RunStats(run: run, palette: palette).render(into: &buffer, area: padded(panel.inner(of: statsArea)))
        }
        let chartPanel = panel("loss")
        chartPanel.render(into: &buffer, area: chartArea)
        LineChart(series: series(runs), xLabel: "step", glyphs: glyphs, axisStyle: palette.axis,
                  labelStyle: palette.dim,
                  emptyMessage: runs.isEmpty ? "waiting for runs" : "waiting for the first step")
            .render(into: &buffer, area: padded(chartPanel.inner(of: chartArea)))
    }

    /// Train curves first, then validation: val points are sparse and would vanish under a
    /// train curve that shares their cells (the last writer owns a cell's colour).
    func series(_ runs: [RunSnapshot]) -> [ChartSeries] {
        let single = runs.count == 1
        let train = runs.map { run in
            ChartSeries(name: single ? "train" : "\(run.name) train",
                        points: run.trainHistory.points.map { ChartPoint(x: Double($0.step), y: $0.value) },
                        style: palette.run(run.id), best: run.trainHistory.best)
        }
        let val = runs.map { run in
            ChartSeries(name: single ? "val" : "\(run.name) val",
                        points: run.valHistory.points.map { ChartPoint(x: Double($0.step), y: $0.value) },
                        style: palette.validation(run.id), best: run.valHistory.best)
        }
        return train + val
    }

    private func panel(_ title: String) -> Panel {
        Panel(title: title, glyphs: glyphs, borderStyle: palette.border, titleStyle: palette.title)
    }

    /// A panel's inside less one column each side, so content doesn't touch the border.
    private func padded(_ inner: Rect) -> Rect {
        Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
    }

    private func summary(_ runs: [RunSnapshot]) -> String {
        let separator = glyphs.separator
        switch runs.count {
        case 0:
            return "waiting for runs"
        case 1:
            let run = runs[0]
            return [run.name, "model \(run.model)", "\(Format.count(Double(run.parameterCount))) params"]
                .joined(separator: separator)
        default:
            let models = Set(runs.map(\.model)).sorted().joined(separator: ", ")
            return ["\(runs.count) runs", "model \(models)"].joined(separator: separator)
        }
    }

    private func statusLine(_ runs: [RunSnapshot], state: DashboardState) -> StatusLine {
        var parts: [String] = []
        var leftStyle: Style?
        if state.pauseRequested {
            parts.append("paused (p resumes)")
            leftStyle = palette.statusBar.bolded()
        } else if runs.isEmpty {
            parts.append("waiting for runs")
        } else {
            var counts: [RunStatus: Int] = [:]
            for run in runs { counts[run.status, default: 0] += 1 }
            let statuses = RunStatus.allCases.filter { counts[$0] != nil }
            parts.append(statuses.count == 1 && runs.count == 1 ? statuses[0].rawValue
                         : statuses.map { "\(counts[$0]!) \($0.rawValue)" }.joined(separator: ", "))
        }
        if let notice = state.notice { parts.append(notice) }
        return StatusLine(left: parts.joined(separator: glyphs.separator),
                          right: "\(glyphs.rawValue)\(glyphs.separator)\(colorMode.label)",
                          style: palette.statusBar, leftStyle: leftStyle)
    }
}
