/// One point of a chart series in data coordinates.
public struct ChartPoint: Equatable, Sendable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One curve of a `LineChart`: its points, colour and the numbers its legend entry shows.
public struct ChartSeries: Equatable, Sendable {
    public var name: String
    public var points: [ChartPoint]
    public var style: Style
    /// The lowest value, shown as "best" (losses go down). Given explicitly when the points are
    /// bucket means, whose minimum is higher than the true one.
    public var best: Double?
    /// Each point drawn as a dot (a scatter), not joined into a curve.
    public var dots = false

    public init(name: String, points: [ChartPoint], style: Style, best: Double? = nil, dots: Bool = false) {
        self.name = name
        self.points = points
        self.style = style
        self.best = best ?? points.lazy.map(\.y).filter(\.isFinite).min()
        self.dots = dots
    }

    /// The most recent value (NaN included: a diverged run should say so).
    public var last: Double? { points.last?.y }
}

/// The data ranges a chart shows, with the padding that keeps curves off the frame.
struct ChartRanges: Equatable {
    var x: ClosedRange<Double>
    /// In plotted units (log10 of the data on a log axis).
    var y: ClosedRange<Double>

    /// The ranges covering every drawable point, or nil when there is none.
    ///
    /// `xWindow` narrows x to a part of the data's range (fractions of it), and y then covers
    /// the points inside that part (all points when none is inside). y gets 10% of its span
    /// as padding on each side (10% of the value when the span is zero), never below 0 for
    /// non-negative data on a linear axis, since a loss axis that dips below zero wastes rows
    /// on impossible values.
    init?(series: [ChartSeries], logY: Bool, xWindow: ClosedRange<Double> = 0...1) {
        var xLow = Double.infinity, xHigh = -Double.infinity
        for point in series.lazy.flatMap(\.points)
        where point.x.isFinite && DotProjection.plotted(point.y, logY: logY) != nil {
            xLow = min(xLow, point.x); xHigh = max(xHigh, point.x)
        }
        guard xLow <= xHigh else { return nil }
        let fullSpan = xHigh - xLow
        let visible = (xLow + fullSpan * xWindow.lowerBound)...(xLow + fullSpan * xWindow.upperBound)
        guard let (yLow, yHigh) = Self.yExtent(series, logY: logY, xRange: visible)
            ?? Self.yExtent(series, logY: logY, xRange: xLow...xHigh) else { return nil }
        // Halved before subtracting so extreme finite values (±1e308) keep a finite span.
        let halfSpan = yHigh / 2 - yLow / 2
        let pad = halfSpan > 0 ? Swift.min(halfSpan * 0.2, .greatestFiniteMagnitude / 4) : max(abs(yHigh) * 0.1, 1e-6)
        var lower = yLow - Swift.min(pad, yLow + .greatestFiniteMagnitude)
        if !logY, yLow >= 0 { lower = max(lower, 0) }
        y = lower...(yHigh + Swift.min(pad, .greatestFiniteMagnitude - yHigh))
        x = visible.lowerBound < visible.upperBound ? visible : (xLow - 1)...(xHigh + 1)
    }

    /// The lowest and highest plotted y of the points whose x is in `xRange`.
    private static func yExtent(_ series: [ChartSeries], logY: Bool,
                                xRange: ClosedRange<Double>) -> (Double, Double)? {
        var low = Double.infinity, high = -Double.infinity
        for point in series.lazy.flatMap(\.points) where xRange.contains(point.x) {
            guard let y = DotProjection.plotted(point.y, logY: logY) else { continue }
            low = min(low, y); high = max(high, y)
        }
        return low <= high ? (low, high) : nil
    }
}
