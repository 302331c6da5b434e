import Core
import Foundation

/// The Quantize view's numbers for the plan on screen, as lines of flowing facts: the losses
/// with the measured and the predicted increase, the final error measures, the footprint, and
/// the view's settings with the evaluation's latency.
struct QuantizeSummary {
    var measurement: QuantizeMeasurement?
    var prediction: IncreasePrediction?
    /// The plan on screen (its footprint is known before it is measured).
    var plan: ResolvedQuantization
    var layout: ParameterLayout
    var state: QuantizeState
    /// Why the last job of this run failed.
    var failure: String?
    var palette: Palette
    var glyphs: GlyphSet

    /// One `FlowText` per line of facts; each wraps on its own when the screen is narrow.
    var lines: [FlowText] {
        var lines: [[[Cell]]] = []
        if let failure { lines.append([FlowText.chunk(failure, palette.warn)]) }
        if let measurement {
            lines.append(losses(measurement))
            lines.append(errors(measurement.propagation))
        } else if failure == nil {
            lines.append([FlowText.chunk("no measurement yet", palette.dim)])
        }
        lines.append(footprint(plan.footprint(layout: layout)))
        lines.append(settings)
        return lines.map(FlowText.init)
    }

    /// Rows the lines take at `width`.
    func rowCount(width: Int) -> Int {
        lines.reduce(0) { $0 + $1.rowCount(width: width) }
    }

    func render(into buffer: inout CellBuffer, area: Rect) {
        var y = area.y
        for line in lines where y < area.maxY {
            let rows = line.rowCount(width: area.width)
            line.render(into: &buffer, area: Rect(x: area.x, y: y, width: area.width, height: min(rows, area.maxY - y)))
            y += rows
        }
    }

    private func fact(_ label: String, _ value: String, _ style: Style? = nil) -> [Cell] {
        FlowText.chunk([(label + " ", palette.dim), (value, style ?? palette.text)])
    }

    private func losses(_ m: QuantizeMeasurement) -> [[Cell]] {
        var chunks = [FlowText.chunk([("loss ", palette.dim), (Format.metric(m.fullPrecisionLoss), palette.text),
                                      (" \(glyphs.arrow) ", palette.dim), (Format.metric(m.quantizedLoss), palette.text)]),
                      fact("measured", Self.signed(m.increase), palette.highlight)]
        if let prediction {
            // One chunk: the prediction and what it rests on stay together when the line wraps.
            let basis = "\(Format.fit(prediction.slope, width: 6))\(glyphs.times)\(prediction.measure.rawValue), "
                + "\(prediction.points) probe\(prediction.points == 1 ? "" : "s")"
            chunks.append(FlowText.chunk([("predicted ", palette.dim), (Self.signed(prediction.predicted), palette.title),
                                          (" (" + basis + ")", palette.dim)]))
        } else {
            chunks.append(fact("predicted", "- (no probe measurements yet)", palette.dim))
        }
        return chunks
    }

    private func errors(_ report: PropagationReport) -> [[Cell]] {
        [fact("R final hidden", Format.shortScientific(report.finalHiddenError)),
         fact("R logits", Format.shortScientific(report.outputError)),
         fact("KL", report.outputKL.map { Format.fit($0, width: 7) + " nats" } ?? "-")]
    }

    private func footprint(_ f: QuantFootprint) -> [[Cell]] {
        [fact("bits W", String(format: "%.2f", f.averageWeightBits) + " A " + String(format: "%.2f", f.averageActivationBits)),
         fact("stored", String(format: "%.2f", f.bitsPerWeight) + " bits/weight"),
         fact("model", Format.bytes(f.modelBytes) + " of " + Format.bytes(f.fullPrecisionBytes))]
    }

    private var settings: [[Cell]] {
        var chunks = [fact("scope", state.scope.rawValue, palette.highlight),
                      fact("budget", Format.fit(state.budget, width: 4) + " bits")]
        if let m = measurement {
            chunks.append(fact("weights", "step \(m.weightsStep)"))
            chunks.append(fact("eval", Self.milliseconds(m.evaluationMs)))
            chunks.append(fact("key\(glyphs.arrow)numbers", Self.milliseconds(m.latencyMs)))
        }
        return chunks
    }

    /// "+0.0612", "-0.0010": an increase with its sign.
    static func signed(_ value: Double) -> String {
        value.isFinite && value >= 0 ? "+" + Format.metric(value) : Format.metric(value)
    }

    /// "212 ms", "1.4 s".
    static func milliseconds(_ ms: Double) -> String {
        ms < 10_000 ? String(format: "%.0f ms", ms) : String(format: "%.1f s", ms / 1000)
    }
}

extension GlyphSet {
    /// "→", ASCII "->".
    var arrow: String { self == .braille ? "→" : "->" }

    /// "…", ASCII "...".
    var ellipsis: String { self == .braille ? "…" : "..." }
}
