import Foundation
import Testing
@testable import TUI

/// The fast polyline rasterizer must set exactly the dots of a naive per-segment Bresenham,
/// on seeded shapes of every size the chart meets (W&B LEET's raster test, in Swift).
@Suite("Polyline rasterizer against a reference")
struct RasterizerPropertyTests {
    enum Shape: String, CaseIterable, CustomTestStringConvertible {
        case noiseWalk, smooth, spikes, nanGaps, sparseX, logWithNonPositive

        var testDescription: String { rawValue }

        /// x and y values for `n` points.
        func data(_ n: Int, rng: inout SplitMix64) -> (xs: [Double], ys: [Double]) {
            var xs = (0..<n).map(Double.init)
            var ys = [Double](repeating: 0, count: n)
            var level = 0.0
            for i in 0..<n {
                switch self {
                case .noiseWalk, .sparseX:
                    level += Double.random(in: -1...1, using: &rng)
                    ys[i] = level
                case .smooth:
                    ys[i] = sin(Double(i) / max(Double(n) / 6, 1)) * 3
                case .spikes:
                    ys[i] = Double.random(in: 0...0.1, using: &rng)
                        + (Int.random(in: 0..<17, using: &rng) == 0 ? 50 : 0)
                case .nanGaps:
                    level += Double.random(in: -1...1, using: &rng)
                    ys[i] = Int.random(in: 0..<7, using: &rng) == 0
                        ? [Double.nan, .infinity, -.infinity][Int.random(in: 0..<3, using: &rng)] : level
                case .logWithNonPositive:
                    ys[i] = Double.random(in: -0.5...100, using: &rng)
                }
            }
            if self == .sparseX {
                var x = 0.0
                for i in 0..<n {
                    x += Int.random(in: 0..<5, using: &rng) == 0 ? Double.random(in: 10...200, using: &rng) : 1
                    xs[i] = x
                }
            }
            return (xs, ys)
        }
    }

    static let sizes = [(columns: 20, rows: 6), (columns: 7, rows: 3), (columns: 1, rows: 1), (columns: 61, rows: 17)]

    @Test(arguments: Shape.allCases, [1, 2, 5, 300, 5000])
    func fastMatchesReference(shape: Shape, n: Int) {
        for seed in UInt64(0)..<3 {
            var rng = SplitMix64(seed: seed &* 7919 &+ UInt64(n))
            let (xs, ys) = shape.data(n, rng: &rng)
            let logY = shape == .logWithNonPositive
            let series = [ChartSeries(name: "s", points: zip(xs, ys).map { ChartPoint(x: $0, y: $1) }, style: .plain)]
            guard let full = ChartRanges(series: series, logY: logY) else {
                #expect(ys.allSatisfy { DotProjection.plotted($0, logY: logY) == nil })
                continue
            }
            for size in Self.sizes {
                for zoomed in [false, true] {
                    let xRange = zoomed ? Self.middle(of: full.x, fraction: 0.3) : full.x
                    let yRange = zoomed ? Self.middle(of: full.y, fraction: 0.5) : full.y
                    check(xs: xs, ys: ys, xRange: xRange, yRange: yRange, logY: logY,
                          canvas: BrailleCanvas(columns: size.columns, rows: size.rows),
                          context: "\(shape) n=\(n) seed=\(seed) \(size) zoomed=\(zoomed) braille")
                    check(xs: xs, ys: ys, xRange: xRange, yRange: yRange, logY: logY,
                          canvas: AsciiCanvas(columns: size.columns, rows: size.rows),
                          context: "\(shape) n=\(n) seed=\(seed) \(size) zoomed=\(zoomed) ascii")
                }
            }
        }
    }

    private func check<Canvas: DotCanvas>(xs: [Double], ys: [Double], xRange: ClosedRange<Double>,
                                          yRange: ClosedRange<Double>, logY: Bool, canvas: Canvas,
                                          context: String) {
        var canvas = canvas
        let projection = DotProjection(xRange: xRange, yRange: yRange, logY: logY,
                                       dotWidth: canvas.dotWidth, dotHeight: canvas.dotHeight)
        let points = zip(xs, ys).map { projection.project(x: $0, y: $1) }
        canvas.drawPolyline(points, style: .plain)
        let expected = Self.referenceDots(points, width: canvas.dotWidth, height: canvas.dotHeight)
        #expect(canvas.setDots == expected, "\(context)")
    }

    /// The middle `fraction` of a range: a zoomed view with points beyond every edge.
    private static func middle(of range: ClosedRange<Double>, fraction: Double) -> ClosedRange<Double> {
        let span = range.upperBound - range.lowerBound, centre = range.lowerBound + span / 2
        return (centre - span * fraction / 2)...(centre + span * fraction / 2)
    }

    /// The naive rasterizer: every drawable point, plus a textbook Bresenham walk for every
    /// segment between two consecutive drawable points, each dot checked against the bounds.
    static func referenceDots(_ points: [DotPoint?], width: Int, height: Int) -> Set<DotPoint> {
        var dots = Set<DotPoint>()
        func plot(_ x: Int, _ y: Int) {
            if x >= 0, y >= 0, x < width, y < height { dots.insert(DotPoint(x: x, y: y)) }
        }
        for index in points.indices {
            guard let a = points[index] else { continue }
            plot(a.x, a.y)
            guard index + 1 < points.count, let b = points[index + 1] else { continue }
            var x = a.x, y = a.y
            let dx = abs(b.x - a.x), dy = abs(b.y - a.y)
            let sx = b.x > a.x ? 1 : -1, sy = b.y > a.y ? 1 : -1
            var error = dx - dy
            while !(x == b.x && y == b.y) {
                let e2 = 2 * error
                if e2 >= -dy { error -= dy; x += sx }
                if e2 <= dx { error += dx; y += sy }
                plot(x, y)
            }
        }
        return dots
    }
}

/// Values at the ends of the finite range (a log with loss -1e308 then 1e308) draw without
/// trapping, as do infinities and NaN (which leave gaps).
@Suite("Extreme values")
struct ExtremeValueTests {
    @Test func chartsDrawAnyFiniteOrNonFiniteValue() {
        let extremes: [[Double]] = [[-1e308, 1e308], [.greatestFiniteMagnitude, -.greatestFiniteMagnitude], [.nan, .infinity, 1],
                                    [-.infinity, 0, 5e-324]]
        for values in extremes {
            let series = ChartSeries(name: "x", points: values.enumerated().map { ChartPoint(x: Double($0), y: $1) },
                                     style: .plain)
            for logY in [false, true] {
                var buffer = CellBuffer(size: Size(width: 40, height: 12))
                LineChart(series: [series], xLabel: "step", logY: logY, glyphs: .braille, axisStyle: .plain,
                          labelStyle: .plain).render(into: &buffer, area: Rect(size: Size(width: 40, height: 12)))
                #expect(buffer.text.contains("│") || buffer.text.contains("waiting"), "\(values) logY \(logY)")
            }
        }
    }
}
