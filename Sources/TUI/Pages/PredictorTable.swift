import Foundation

/// The Compare page's predictors: for each statistic, its Pearson and Spearman correlation
/// with the W4A4 RTN loss increase across runs, and over how many runs; the strongest
/// (largest |ρ|) of each column highlighted.
struct PredictorTable {
    var predictors: [Predictor]
    var palette: Palette
    var glyphs: GlyphSet

    static let numberWidth = 8

    /// Why a predictor has no coefficients: too few runs, or a statistic (or loss increase)
    /// that does not vary across them.
    func unavailable(_ predictor: Predictor) -> String {
        predictor.count < 3 ? "n/a (needs \(glyphs.atLeast)3 runs with PTQ)" : "n/a (no spread across runs)"
    }

    /// The panel's one-line explanation.
    let caption = "correlation with the W4A4 RTN loss increase across runs"

    static func coefficient(_ value: Double) -> String { String(format: "%+.2f", value) }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let labelWidth = (predictors.map(\.label.count).max() ?? 0) + 2
        var x = area.x + labelWidth
        buffer.write("statistic", x: area.x, y: area.y, style: palette.dim, clip: area)
        for header in ["runs", "pearson", "spearman"] {
            x = buffer.write(Format.padLeft(header, to: Self.numberWidth), x: x, y: area.y, style: palette.dim,
                             clip: area) + 1
        }
        let strongest = [predictors.compactMap(\.pearson).map(abs).max(),
                         predictors.compactMap(\.spearman).map(abs).max()]
        for (index, predictor) in predictors.enumerated() where index + 1 < area.height {
            let y = area.y + 1 + index
            buffer.write(predictor.label, x: area.x, y: y, style: palette.text, clip: area)
            var x = buffer.write(Format.padLeft("\(predictor.count)", to: Self.numberWidth), x: area.x + labelWidth,
                                 y: y, style: palette.dim, clip: area) + 1
            guard predictor.pearson != nil || predictor.spearman != nil else {
                buffer.write(" " + unavailable(predictor), x: x, y: y, style: palette.dim, clip: area)
                continue
            }
            for (value, best) in zip([predictor.pearson, predictor.spearman], strongest) {
                let text = value.map(Self.coefficient) ?? "n/a"
                let style = value.map { abs($0) == best } == true ? palette.highlight : palette.text
                x = buffer.write(Format.padLeft(text, to: Self.numberWidth), x: x, y: y, style: style, clip: area) + 1
            }
        }
    }
}
