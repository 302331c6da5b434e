import Foundation

/// Maps data coordinates onto a canvas's dots: x left to right, y bottom to top.
public struct DotProjection: Sendable, Equatable {
    public var xRange: ClosedRange<Double>
    /// In plotted units: log10 of the data when `logY` is set.
    public var yRange: ClosedRange<Double>
    public var logY: Bool
    public var dotWidth: Int
    public var dotHeight: Int

    /// Projected coordinates are clamped to this many dots beyond either edge, so absurd
    /// values neither overflow `Int` nor make a line walk millions of off-canvas dots.
    static let reach = 1 << 16

    public init(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, logY: Bool = false,
                dotWidth: Int, dotHeight: Int) {
        self.xRange = xRange
        self.yRange = yRange
        self.logY = logY
        self.dotWidth = dotWidth
        self.dotHeight = dotHeight
    }

    /// The value as plotted on the y axis: log10 on a log axis (nil for values <= 0, which a
    /// log axis cannot show), the value itself otherwise; nil for NaN and infinities.
    public static func plotted(_ y: Double, logY: Bool) -> Double? {
        let value = logY ? (y > 0 ? log10(y) : .nan) : y
        return value.isFinite ? value : nil
    }

    /// The dot for a data point, or nil when it cannot be drawn (a gap in the line).
    public func project(x: Double, y: Double) -> DotPoint? {
        guard x.isFinite, let py = Self.plotted(y, logY: logY) else { return nil }
        let fx = Self.fraction(x, in: xRange), fy = Self.fraction(py, in: yRange)
        return DotPoint(x: Self.dot(fx * Double(dotWidth - 1)),
                        y: Self.dot((1 - fy) * Double(dotHeight - 1)))
    }

    /// Halves before subtracting, so a range from -1e308 to 1e308 has a finite span.
    private static func fraction(_ value: Double, in range: ClosedRange<Double>) -> Double {
        let span = range.upperBound / 2 - range.lowerBound / 2
        return span > 0 && span.isFinite ? (value / 2 - range.lowerBound / 2) / span : 0.5
    }

    private static func dot(_ position: Double) -> Int {
        guard !position.isNaN else { return 0 }
        return Int(min(max(position.rounded(), -Double(reach)), Double(reach)))
    }
}
