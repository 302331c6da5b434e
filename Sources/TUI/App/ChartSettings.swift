/// How the Training chart draws the curves: smoothing, axes and the zoomed x window.
public struct ChartSettings: Equatable, Sendable {
    public var smoothingEnabled: Bool
    /// TensorBoard's EMA weight: 0 leaves the curve as it is, 0.99 smooths hard.
    public var smoothing: Double
    public var logY: Bool
    public var xAxis: XAxis
    /// The visible part of the x range, as fractions of the whole (0...1 shows everything).
    ///
    /// Fractions rather than steps, so a window at the right edge keeps following the newest
    /// points as the runs train.
    public var window: ClosedRange<Double>

    public init(smoothingEnabled: Bool = true, smoothing: Double = 0.6, logY: Bool = false,
                xAxis: XAxis = .step, window: ClosedRange<Double> = 0...1) {
        self.smoothingEnabled = smoothingEnabled
        self.smoothing = smoothing
        self.logY = logY
        self.xAxis = xAxis
        self.window = window
    }

    /// The weights `[` and `]` step through: tenths, then finer near 1 where noisy curves need it.
    static let smoothingLevels = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    /// The narrowest window, so zooming in always leaves a few points on screen.
    static let minimumWindow = 1.0 / 256

    /// The weight actually applied: 0 while smoothing is off.
    public var effectiveSmoothing: Double { smoothingEnabled ? smoothing : 0 }

    /// How many times the x axis is magnified.
    public var zoom: Double { 1 / (window.upperBound - window.lowerBound) }

    /// Moves the weight one level up (`direction` 1) or down (-1); adjusting turns smoothing on.
    mutating func stepSmoothing(_ direction: Int) {
        let levels = Self.smoothingLevels
        let next = direction > 0 ? levels.first { $0 > smoothing + 1e-9 } : levels.last { $0 < smoothing - 1e-9 }
        smoothing = next ?? smoothing
        smoothingEnabled = true
    }

    /// Halves (`factor` 0.5) or doubles (2) the window's width about its centre, kept inside 0...1.
    mutating func zoom(by factor: Double) {
        let width = min(max((window.upperBound - window.lowerBound) * factor, Self.minimumWindow), 1)
        let centre = (window.lowerBound + window.upperBound) / 2
        place(lower: centre - width / 2, width: width)
    }

    /// Shifts the window by a quarter of its width per step (`direction` -1 left, 1 right).
    mutating func pan(_ direction: Int) {
        let width = window.upperBound - window.lowerBound
        place(lower: window.lowerBound + Double(direction) * width / 4, width: width)
    }

    mutating func resetZoom() { window = 0...1 }

    private mutating func place(lower: Double, width: Double) {
        let start = min(max(lower, 0), 1 - width)
        window = start...(start + width)
    }
}
