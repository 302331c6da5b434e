import Core
import Foundation

/// A small SVG chart, enough for the study's figures: scatter and line series on linear or log
/// axes, or stacked bars over categories, with labelled axes, ticks and a legend. Colours are
/// the Okabe–Ito palette (colour-blind safe), and every series also has its own marker and dash
/// pattern, so a figure stays readable printed in grey.
struct SVGChart {
    struct Style {
        var color: String
        var marker: Marker
        var dash: String?
    }

    enum Marker: CaseIterable { case circle, square, triangle, diamond, cross, plus }

    struct Series {
        var name: String
        var style: Style
        var points: [(x: Double, y: Double)]
        var line = false
        var markers = true
        /// Outlined markers (the QAT points beside full precision's filled ones).
        var hollow = false
    }

    /// Stacked bars: one stack per category, one segment per component (negative ones below 0).
    struct Bars {
        var categories: [String]
        var components: [(name: String, style: Style, values: [Double])]
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xLog = false
    var yLog = false
    var series: [Series] = []
    var bars: Bars?
    /// Lines of small text under the title (e.g. a correlation and its interval).
    var notes: [String] = []
    var width = 640.0
    var height = 420.0

    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    static let dashes: [String?] = [nil, "6,3", "2,2", "8,3,2,3", "4,4", "1,3"]

    /// The style of the `index`th series (optimizers use their order).
    static func style(_ index: Int) -> Style {
        Style(color: palette[index % palette.count], marker: Marker.allCases[index % Marker.allCases.count],
              dash: dashes[index % dashes.count])
    }

    private var plot: (left: Double, top: Double, right: Double, bottom: Double) {
        // Bar charts label their categories below the axis, at an angle.
        (72, 48 + Double(notes.count) * 14, width - 150, height - (bars == nil ? 56 : 150))
    }

    /// The whole chart as an SVG document.
    func document() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body() + "</svg>\n"
    }

    /// The chart's elements, to embed in a larger document.
    func body() -> String {
        var out = text(width / 2, 20, title, size: 15, anchor: "middle", weight: "bold")
        for (i, note) in notes.enumerated() { out += text(width / 2, 38 + Double(i) * 14, note, size: 11, anchor: "middle") }
        if let bars { out += barBody(bars) } else { out += seriesBody() }
        let p = plot
        out += text((p.left + p.right) / 2, height - 10, xLabel, size: 12, anchor: "middle")
        out += "<text x=\"18\" y=\"\(f((p.top + p.bottom) / 2))\" font-size=\"12\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 18 \(f((p.top + p.bottom) / 2)))\">\(escape(yLabel))</text>\n"
        return out
    }

    private func seriesBody() -> String {
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
        guard !all.isEmpty else { return text(width / 2, height / 2, "no data", size: 13, anchor: "middle") }
        let xs = Axis(values: all.map(\.x), log: xLog), ys = Axis(values: all.map(\.y), log: yLog)
        let p = plot
        func px(_ x: Double) -> Double { p.left + xs.fraction(x) * (p.right - p.left) }
        func py(_ y: Double) -> Double { p.bottom - ys.fraction(y) * (p.bottom - p.top) }
        var out = frame(xTicks: xs.ticks.map { (px($0), xs.label($0)) }, yTicks: ys.ticks.map { (py($0), ys.label($0)) })
        for s in series {
            let points = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
            if s.line, points.count > 1 {
                let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.style.color)\" stroke-width=\"1.8\""
                    + (s.style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
            }
            if s.markers { for point in points { out += marker(s.style, px(point.x), py(point.y), hollow: s.hollow) } }
        }
        return out + legend(series.filter { !$0.name.isEmpty }.map { ($0.name, $0.style, $0.line) })
    }

    private func barBody(_ bars: Bars) -> String {
        let p = plot, n = bars.categories.count
        let tops = (0..<n).map { i in bars.components.reduce(0.0) { $0 + Swift.max(0, $1.values[i]) } }
        let bottoms = (0..<n).map { i in bars.components.reduce(0.0) { $0 + Swift.min(0, $1.values[i]) } }
        let ys = Axis(values: tops + bottoms + [0], log: false)
        func py(_ y: Double) -> Double { p.bottom - ys.fraction(y) * (p.bottom - p.top) }
        let slot = (p.right - p.left) / Double(Swift.max(n, 1))
        let labelEvery = Swift.max(1, n / 24)
        var out = frame(xTicks: [], yTicks: ys.ticks.map { (py($0), ys.label($0)) })
        for i in 0..<n {
            var up = 0.0, down = 0.0
            let x = p.left + Double(i) * slot + slot * 0.15
            for component in bars.components {
                let v = component.values[i]
                guard v.isFinite, v != 0 else { continue }
                let (from, to) = v > 0 ? (up, up + v) : (down + v, down)
                if v > 0 { up += v } else { down += v }
                out += "<rect x=\"\(f(x))\" y=\"\(f(py(to)))\" width=\"\(f(slot * 0.7))\" height=\"\(f(Swift.max(0.5, py(from) - py(to))))\" "
                    + "fill=\"\(component.style.color)\" stroke=\"black\" stroke-width=\"0.3\""
                    + (component.style.dash == nil ? "" : " fill-opacity=\"0.55\"") + "/>\n"
            }
            if i % labelEvery == 0 {
                let lx = x + slot * 0.35, ly = p.bottom + 10
                out += "<text x=\"\(f(lx))\" y=\"\(f(ly))\" font-size=\"8\" text-anchor=\"end\" "
                    + "transform=\"rotate(-60 \(f(lx)) \(f(ly)))\">\(escape(bars.categories[i]))</text>\n"
            }
        }
        return out + legend(bars.components.map { ($0.name, $0.style, false) })
    }

    private func frame(xTicks: [(Double, String)], yTicks: [(Double, String)]) -> String {
        let p = plot
        var out = "<rect x=\"\(f(p.left))\" y=\"\(f(p.top))\" width=\"\(f(p.right - p.left))\" "
            + "height=\"\(f(p.bottom - p.top))\" fill=\"none\" stroke=\"#444\"/>\n"
        for (x, label) in xTicks {
            out += "<line x1=\"\(f(x))\" y1=\"\(f(p.top))\" x2=\"\(f(x))\" y2=\"\(f(p.bottom))\" stroke=\"#ddd\"/>\n"
            out += text(x, p.bottom + 16, label, size: 11, anchor: "middle")
        }
        for (y, label) in yTicks {
            out += "<line x1=\"\(f(p.left))\" y1=\"\(f(y))\" x2=\"\(f(p.right))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>\n"
            out += text(p.left - 6, y + 4, label, size: 11, anchor: "end")
        }
        return out
    }

    private func legend(_ entries: [(String, Style, Bool)]) -> String {
        var out = ""
        for (i, entry) in entries.enumerated() {
            let x = width - 140, y = plot.top + 8 + Double(i) * 18
            if entry.2 {
                out += "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 22))\" y2=\"\(f(y))\" stroke=\"\(entry.1.color)\" "
                    + "stroke-width=\"1.8\"" + (entry.1.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
            }
            out += marker(entry.1, x + 11, y)
            out += text(x + 28, y + 4, entry.0, size: 11, anchor: "start")
        }
        return out
    }

    private func marker(_ style: Style, _ x: Double, _ y: Double, hollow: Bool = false) -> String {
        let c = style.color, r = 4.0
        let paint = hollow ? "fill=\"white\" stroke=\"\(c)\" stroke-width=\"1.6\""
                           : "fill=\"\(c)\" stroke=\"black\" stroke-width=\"0.6\""
        switch style.marker {
        case .circle: return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(r))\" \(paint)/>\n"
        case .square: return "<rect x=\"\(f(x - r))\" y=\"\(f(y - r))\" width=\"\(f(2 * r))\" height=\"\(f(2 * r))\" \(paint)/>\n"
        case .triangle:
            return "<polygon points=\"\(f(x)),\(f(y - r - 1)) \(f(x - r - 1)),\(f(y + r)) \(f(x + r + 1)),\(f(y + r))\" \(paint)/>\n"
        case .diamond:
            return "<polygon points=\"\(f(x)),\(f(y - r - 1)) \(f(x + r + 1)),\(f(y)) \(f(x)),\(f(y + r + 1)) \(f(x - r - 1)),\(f(y))\" \(paint)/>\n"
        case .cross:
            return "<path d=\"M\(f(x - r)),\(f(y - r))L\(f(x + r)),\(f(y + r))M\(f(x - r)),\(f(y + r))L\(f(x + r)),\(f(y - r))\" "
                + "stroke=\"\(c)\" stroke-width=\"2.2\"/>\n"
        case .plus:
            return "<path d=\"M\(f(x - r - 1)),\(f(y))L\(f(x + r + 1)),\(f(y))M\(f(x)),\(f(y - r - 1))L\(f(x)),\(f(y + r + 1))\" "
                + "stroke=\"\(c)\" stroke-width=\"2.2\"/>\n"
        }
    }

    private func text(_ x: Double, _ y: Double, _ s: String, size: Int, anchor: String, weight: String = "normal") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\">\(escape(s))</text>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// An axis over data values: a padded range, and round ticks (1-2-5 steps, or decades on a log axis).
struct Axis {
    let low: Double
    let high: Double
    let log: Bool
    let ticks: [Double]

    init(values: [Double], log: Bool) {
        self.log = log
        let t = values.map { log ? Foundation.log10($0) : $0 }
        var lo = t.min() ?? 0, hi = t.max() ?? 1
        if hi - lo < 1e-12 { (lo, hi) = (lo - 0.5 * Swift.max(abs(lo), 1e-3), hi + 0.5 * Swift.max(abs(hi), 1e-3)) }
        let pad = (hi - lo) * 0.06, start = lo - pad, end = hi + pad
        (low, high) = (start, end)
        if log {
            let decades = Int(Foundation.floor(start))...Int(Foundation.ceil(end))
            var marks = decades.flatMap { d in [1.0, 2, 5].map { Foundation.log10($0) + Double(d) } }
                .filter { $0 >= start && $0 <= end }
            if marks.count > 8 { marks = marks.filter { $0 == $0.rounded() } }
            ticks = marks.map { Foundation.pow(10, $0) }
        } else {
            let raw = (end - start) / 5, magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            ticks = stride(from: Foundation.ceil(start / step) * step, through: end, by: step)
                .map { abs($0) < step * 1e-9 ? 0 : $0 }
        }
    }

    func fraction(_ value: Double) -> Double {
        let t = log ? Foundation.log10(value) : value
        return (t - low) / (high - low)
    }

    func label(_ value: Double) -> String {
        let a = abs(value)
        if a == 0 { return "0" }
        if a >= 1e4 || a < 1e-2 {
            return String(format: "%.0e", value).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e-0", with: "e-")
        }
        if a >= 100 { return String(format: "%.0f", value) }
        return String(format: "%.3g", value)
    }
}
