import Foundation

/// Several series overlaid on shared axes, with a legend of each one's last and best value.
///
/// Layout, top to bottom: legend rows, then the plot with y tick labels on its left and the
/// x axis (line, first/last x, axis name) below it. Axes are dropped when the area is too
/// small for them, and the legend when there is no room left for a plot.
public struct LineChart: Widget {
    public var series: [ChartSeries]
    public var xLabel: String
    public var logY: Bool
    public var glyphs: GlyphSet
    public var axisStyle: Style
    public var labelStyle: Style
    /// Shown instead of the plot while no series has a drawable point.
    public var emptyMessage: String
    /// The part of the data's x range on screen, as fractions of it (zoom and pan); y fits
    /// the points inside it.
    public var xWindow: ClosedRange<Double>
    /// How the first and last x values are written under the axis.
    public var xTick: @Sendable (Double) -> String
    /// The legend's entries, when they should differ from the curves drawn (nil: one per series).
    public var legend: [ChartSeries]?

    public init(series: [ChartSeries], xLabel: String, logY: Bool = false, glyphs: GlyphSet,
                axisStyle: Style, labelStyle: Style, emptyMessage: String = "waiting for data",
                xWindow: ClosedRange<Double> = 0...1, xTick: @escaping @Sendable (Double) -> String = Format.step,
                legend: [ChartSeries]? = nil) {
        self.series = series
        self.xLabel = xLabel
        self.logY = logY
        self.glyphs = glyphs
        self.axisStyle = axisStyle
        self.labelStyle = labelStyle
        self.emptyMessage = emptyMessage
        self.xWindow = xWindow
        self.xTick = xTick
        self.legend = legend
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let legend = ChartLegend(series: self.legend ?? series, glyphs: glyphs, labelStyle: labelStyle)
        let legendRows = legend.rows(width: area.width, maxRows: area.height / 4)
        let (legendArea, chartArea) = area.splitTop(legendRows.count)
        legend.render(legendRows, into: &buffer, area: legendArea)

        guard let ranges = ChartRanges(series: series, logY: logY, xWindow: xWindow) else {
            let message = Format.truncate(emptyMessage, to: chartArea.width, ascii: glyphs == .ascii)
            let spot = chartArea.centered(width: message.count, height: 1)
            buffer.write(message, x: spot.x, y: spot.y, style: labelStyle, clip: chartArea)
            return
        }
        let plot = drawAxes(ranges, into: &buffer, area: chartArea)
        drawCurves(ranges, into: &buffer, plot: plot)
    }

    /// Draws the y labels, axis lines and x labels when they fit, returning the plot area.
    private func drawAxes(_ ranges: ChartRanges, into buffer: inout CellBuffer, area: Rect) -> Rect {
        let plotHeight = area.height - 2
        let rows = tickRows(plotHeight: plotHeight)
        let labels = rows.map { tickLabel(row: $0, ranges: ranges, plotHeight: plotHeight) }
        let labelWidth = labels.map(\.count).max() ?? 0
        guard plotHeight >= 2, area.width >= labelWidth + 1 + 4 else { return area }

        let axisX = area.x + labelWidth
        let plot = Rect(x: axisX + 1, y: area.y, width: area.width - labelWidth - 1, height: plotHeight)
        let border = glyphs.border
        for (row, label) in zip(rows, labels) {
            buffer.write(String(repeating: " ", count: labelWidth - label.count) + label,
                         x: area.x, y: plot.y + row, style: labelStyle)
        }
        for y in plot.y..<plot.maxY { buffer.set(x: axisX, y: y, Cell(border.vertical, style: axisStyle)) }
        buffer.set(x: axisX, y: plot.maxY, Cell(border.bottomLeft, style: axisStyle))
        for x in plot.x..<plot.maxX { buffer.set(x: x, y: plot.maxY, Cell(border.horizontal, style: axisStyle)) }

        let labelRow = plot.maxY + 1
        let first = xTick(ranges.x.lowerBound), last = xTick(ranges.x.upperBound)
        let clip = Rect(x: plot.x, y: labelRow, width: plot.width, height: 1)
        buffer.write(first, x: plot.x, y: labelRow, style: labelStyle, clip: clip)
        let lastX = max(plot.x + first.count + 1, plot.maxX - last.count)
        buffer.write(last, x: lastX, y: labelRow, style: labelStyle, clip: clip)
        let nameX = plot.x + (plot.width - xLabel.count) / 2
        if nameX > plot.x + first.count, nameX + xLabel.count < lastX {
            buffer.write(xLabel, x: nameX, y: labelRow, style: labelStyle, clip: clip)
        }
        return plot
    }

    /// Rows (from the plot's top) that get a y label: top and bottom, plus the middle once
    /// the plot is tall enough for three labels to stay apart.
    private func tickRows(plotHeight: Int) -> [Int] {
        guard plotHeight >= 2 else { return [] }
        return plotHeight >= 5 ? [0, plotHeight / 2, plotHeight - 1] : [0, plotHeight - 1]
    }

    /// The y value at a row's vertical centre, formatted (exactly the range ends at the
    /// first and last rows, whose outer dots sit on the ends).
    private func tickLabel(row: Int, ranges: ChartRanges, plotHeight: Int) -> String {
        let fraction: Double
        switch row {
        case 0: fraction = 1
        case plotHeight - 1: fraction = 0
        default: fraction = 1 - (Double(row) + 0.5) / Double(plotHeight)
        }
        let plotted = ranges.y.lowerBound + fraction * 2 * (ranges.y.upperBound / 2 - ranges.y.lowerBound / 2)
        return Format.tick(logY ? pow(10, plotted) : plotted)
    }

    private func drawCurves(_ ranges: ChartRanges, into buffer: inout CellBuffer, plot: Rect) {
        switch glyphs {
        case .braille:
            var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
            draw(on: &canvas, ranges: ranges)
            canvas.render(into: &buffer, origin: DotPoint(x: plot.x, y: plot.y))
        case .ascii:
            var canvas = AsciiCanvas(columns: plot.width, rows: plot.height)
            draw(on: &canvas, ranges: ranges)
            canvas.render(into: &buffer, origin: DotPoint(x: plot.x, y: plot.y))
        }
    }

    /// Series are drawn in order, so later ones win shared cells.
    private func draw<Canvas: DotCanvas>(on canvas: inout Canvas, ranges: ChartRanges) {
        let projection = DotProjection(xRange: ranges.x, yRange: ranges.y, logY: logY,
                                       dotWidth: canvas.dotWidth, dotHeight: canvas.dotHeight)
        for curve in series {
            let points = curve.points.map { projection.project(x: $0.x, y: $0.y) }
            guard curve.dots else {
                canvas.drawPolyline(points, style: curve.style)
                continue
            }
            // A 2×2 block of dots per point, so a lone point reads at a glance.
            for case let point? in points {
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    canvas.setDot(x: point.x + dx, y: point.y + dy, style: curve.style)
                }
            }
        }
    }
}
