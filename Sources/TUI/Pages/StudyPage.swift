import Analysis
import Core
import Foundation
import Study

/// The Study view: a study's progress by stage with an ETA and the runs training now, the
/// full-precision loss table so far (mean ± 95% interval over seeds), and two braille plots, the
/// RTN damage against R at the logits (the paper's Fig. 1) and loss against parameters (scaling).
struct StudyPage: Widget {
    var status: StudyStatus?
    var palette: Palette
    var glyphs: GlyphSet

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard let status else {
            EmptyPage(title: "study", message: "no study: `qscope watch DIR` on a study's directory follows it here",
                      palette: palette, glyphs: glyphs).render(into: &buffer, area: area)
            return
        }
        let tableRows = (status.results?.sizes.count ?? 0) + 2
        let top = min(area.height / 2 + 2, status.stages.count + 3 + tableRows + 2)
        let (upper, lower) = area.splitTop(top)
        let eta = status.eta.map { " \(glyphs.separator) eta \(Format.duration($0))" } ?? ""
        let panel = Panel(pageTitle: "study \(status.name) \(glyphs.separator) \(status.done)/\(status.total) runs\(eta)",
                          palette: palette, glyphs: glyphs)
        panel.render(into: &buffer, area: upper)
        var y = panel.content(of: upper).y
        let content = panel.content(of: upper)
        for stage in status.stages where y < content.maxY {
            buffer.write(progressLine(stage, width: content.width), x: content.x, y: y, style: palette.text, clip: content)
            y += 1
        }
        if !status.running.isEmpty, y < content.maxY {
            buffer.write("training: " + status.running.joined(separator: ", "), x: content.x, y: y, style: palette.dim,
                         clip: content)
            y += 1
        }
        if let results = status.results, y + 1 < content.maxY {
            y += 1
            for line in lossTable(results, width: content.width) where y < content.maxY {
                buffer.write(line, x: content.x, y: y, style: palette.text, clip: content)
                y += 1
            }
        }
        guard lower.height >= 6 else { return }
        let (left, right) = lower.splitLeft(lower.width / 2)
        plot(title: damageTitle(status.results), series: damageSeries(status.results), xLabel: "log10 R_L",
             into: &buffer, area: left)
        plot(title: "loss against parameters (dots FP, faint QAT)", series: scalingSeries(status.results),
             xLabel: "log10 N", into: &buffer, area: right)
    }

    private func progressLine(_ stage: StudyStatus.Stage, width: Int) -> String {
        let barWidth = max(4, min(30, width - 24))
        let filled = stage.total > 0 ? barWidth * stage.done / stage.total : 0
        let (full, empty) = glyphs == .braille ? ("█", "░") : ("#", ".")
        return Format.pad(stage.name, to: 8) + " " + String(repeating: full, count: filled)
            + String(repeating: empty, count: barWidth - filled) + " \(stage.done)/\(stage.total)"
    }

    /// Sizes down, optimizers across: the full-precision validation loss, mean ± half-interval
    /// over seeds once the rate is chosen, before that the best of the sweep so far (marked *).
    private func lossTable(_ results: StudyResults, width: Int) -> [String] {
        let column = max(8, min(16, (width - 8) / max(1, results.optimizers.count)))
        var lines = [Format.pad("FP loss", to: 8) + results.optimizers.map { Format.padLeft($0.rawValue, to: column) }.joined()]
        var provisional = false
        for size in results.sizes {
            lines.append(Format.pad(size.name, to: 8) + results.optimizers.map { optimizer in
                if let e = results.cells.first(where: { $0.size == size.name && $0.optimizer == optimizer })?.values["fp_loss"] {
                    return Format.padLeft(String(format: "%.3f", e.value) + (e.halfWidth.map { String(format: "±%.3f", $0) } ?? ""),
                                          to: column)
                }
                let sweep = results.sweep.filter { $0.size == size.name && $0.optimizer == optimizer }.compactMap(\.valLoss)
                guard let best = sweep.min() else { return Format.padLeft("-", to: column) }
                provisional = true
                return Format.padLeft(String(format: "%.3f*", best), to: column)
            }.joined())
        }
        if provisional { lines.append("* the best rate of the sweep so far; mean ± 95% interval over seeds once chosen") }
        return lines
    }

    private func damageTitle(_ results: StudyResults?) -> String {
        let r = results?.correlations.first { $0.scope == "pooled" && $0.predictor == "r_l" }?.pearson
        return "RTN damage against R_L" + (r.map { String(format: " %@ r %+.2f", glyphs.separator, $0.value) } ?? "")
    }

    private func damageSeries(_ results: StudyResults?) -> [ChartSeries] {
        (results?.optimizers ?? []).enumerated().map { index, optimizer in
            ChartSeries(name: optimizer.rawValue, points: (results?.samples ?? [])
                .filter { $0.optimizer == optimizer }
                .compactMap { s in s.predictors["r_l"].flatMap { $0 > 0 ? ChartPoint(x: log10($0), y: s.rtnIncrease) : nil } },
                style: palette.run(index), dots: true)
        }
    }

    private func scalingSeries(_ results: StudyResults?) -> [ChartSeries] {
        (results?.optimizers ?? []).enumerated().flatMap { index, optimizer in
            let mine = (results?.scaling ?? []).filter { $0.optimizer == optimizer }
            func points(_ quantized: Bool) -> [ChartPoint] {
                mine.filter { $0.quantized == quantized }.map { ChartPoint(x: log10(Double($0.nonEmbeddingParameters)), y: $0.loss) }
            }
            return [ChartSeries(name: optimizer.rawValue, points: points(false), style: palette.run(index), dots: true),
                    ChartSeries(name: "", points: points(true), style: palette.validation(index), dots: true)]
        }
    }

    private func plot(title: String, series: [ChartSeries], xLabel: String, into buffer: inout CellBuffer, area: Rect) {
        let panel = Panel(pageTitle: title, palette: palette, glyphs: glyphs)
        panel.render(into: &buffer, area: area)
        LineChart(series: series, xLabel: xLabel, glyphs: glyphs, axisStyle: palette.border, labelStyle: palette.dim,
                  emptyMessage: "waiting for measurements", xTick: { String(format: "%.1f", $0) },
                  legend: series.filter { !$0.name.isEmpty })
            .render(into: &buffer, area: panel.content(of: area))
    }
}

extension StudyPage: ExportableWidget {
    /// The full-precision loss table: size, optimizer, mean, lower and upper bound.
    var exportTable: ExportTable {
        guard let results = status?.results else { return ExportTable(header: ["size", "optimizer"], rows: []) }
        return ExportTable(header: ["size", "optimizer", "fp_loss", "lower", "upper"], rows: results.cells.map { cell in
            let e = cell.values["fp_loss"]
            return [cell.size, cell.optimizer.rawValue, e.map { ExportTable.number($0.value) } ?? "",
                    e?.lower.map(ExportTable.number) ?? "", e?.upper.map(ExportTable.number) ?? ""]
        })
    }
}
