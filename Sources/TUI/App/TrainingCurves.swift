import Core

/// The Training chart's curves in drawing order, and its legend.
///
/// Drawing order decides which curve owns a shared cell (the last writer): raw curves
/// first (faded, behind the smoothed ones), then the other runs' smoothed curves (faded),
/// then the selected run's, train before val since val points are sparse and would vanish
/// under a train curve.
struct TrainingCurves {
    var series: [ChartSeries] = []
    /// The selected run's train and val, with their latest and best raw values.
    var legend: [ChartSeries] = []

    init(runs: [RunSnapshot], selectedID: Int?, settings: ChartSettings, palette: Palette) {
        let weight = settings.effectiveSmoothing
        let lone = runs.count == 1
        var raw: [ChartSeries] = [], otherTrain: [ChartSeries] = [], otherVal: [ChartSeries] = []
        var selected: [ChartSeries] = []
        for run in runs {
            let isSelected = run.id == selectedID
            for (split, history) in [("train", run.trainHistory), ("val", run.valHistory)] {
                let base = split == "train" ? palette.run(run.id) : palette.validation(run.id)
                let style = isSelected || lone ? base : Self.faded(base, by: 0.55, palette: palette)
                let xs = history.points.map { settings.xAxis.value($0) }
                let values = history.points.map(\.value)
                let name = split == "train" && !lone ? "\(run.name) train" : split
                let rawSeries = ChartSeries(name: name, points: zip(xs, values).map { ChartPoint(x: $0, y: $1) },
                                            style: style, best: history.best)
                if isSelected { legend.append(rawSeries) }
                var shown = rawSeries
                if weight > 0 {
                    raw.append(ChartSeries(name: name, points: rawSeries.points,
                                           style: Self.faded(base, by: isSelected ? 0.6 : 0.8, palette: palette),
                                           best: rawSeries.best))
                    shown.points = zip(xs, Smoothing.debiasedEMA(values, weight: weight)).map { ChartPoint(x: $0, y: $1) }
                }
                if isSelected {
                    selected.append(shown)
                } else if split == "train" {
                    otherTrain.append(shown)
                } else {
                    otherVal.append(shown)
                }
            }
        }
        series = raw + otherTrain + otherVal + selected
    }

    /// `style` moved `fraction` of the way to the theme's dim colour; dim video when there is
    /// no colour to mix (monochrome, or a theme whose colours are the terminal's).
    static func faded(_ style: Style, by fraction: Double, palette: Palette) -> Style {
        let mixed = style.fg.mixed(with: palette.dim.fg, fraction: fraction)
        return mixed == style.fg ? style.dimmed() : style.with(fg: mixed)
    }
}
