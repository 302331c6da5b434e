/// The theme turned into ready-to-use styles for one colour mode.
///
/// In monochrome every colour becomes the terminal default and bars switch to reverse video,
/// so the title and status lines still stand out; every style also carries the theme's main
/// background so a coloured background has no holes.
public struct Palette: Equatable, Sendable {
    public let text: Style
    public let dim: Style
    public let title: Style
    public let border: Style
    public let axis: Style
    public let highlight: Style
    public let statusBar: Style
    public let warn: Style
    public let crit: Style
    private let runColors: [Color]
    private let valTint: Color
    private let heatRamp: HeatRamp
    private let colorMode: ColorMode
    private let background: Color

    /// Distinct colours a heat ramp may take in truecolor, as btop expands its gradients.
    static let heatSteps = 100

    public init(theme: Theme, colorMode: ColorMode) {
        self.colorMode = colorMode
        let mono = colorMode == .none
        func color(_ c: Color) -> Color { mono ? .default : c }
        let bg = color(theme.mainBg)
        background = bg
        func style(_ fg: Color) -> Style { Style(fg: color(fg), bg: bg) }
        text = style(theme.mainFg)
        dim = mono ? Style(bg: bg, dim: true) : style(theme.textDim)
        title = style(theme.title).bolded()
        border = style(theme.border)
        axis = style(theme.axis)
        highlight = style(theme.highlight).bolded()
        statusBar = Style(fg: color(theme.statusFg), bg: color(theme.statusBg), reverse: mono)
        warn = style(theme.warn).bolded()
        crit = style(theme.crit).bolded()
        runColors = theme.runs.isEmpty ? [theme.mainFg] : theme.runs
        valTint = theme.val
        heatRamp = HeatRamp(low: theme.heatLow, mid: theme.heatMid, high: theme.heatHigh)
    }

    private var monochrome: Bool { colorMode == .none }

    /// The curve style of the run with this id: a stable colour per run across frames.
    public func run(_ id: Int) -> Style {
        let slot = ((id % runColors.count) + runColors.count) % runColors.count
        return Style(fg: monochrome ? .default : runColors[slot], bg: background)
    }

    /// The validation curve of a run: its colour halfway to the theme's `val` tint.
    public func validation(_ id: Int) -> Style {
        let train = run(id)
        return monochrome ? train.dimmed() : train.with(fg: train.fg.mixed(with: valTint, fraction: 0.5))
    }

    /// The heatmap style of a value at `t` (0 lowest … 1 highest, clamped; NaN counts as 0)
    /// along the theme's `heat_low` → `heat_mid` → `heat_high` ramp, as a foreground colour:
    /// draw a solid glyph in it.
    ///
    /// The colour is already quantized to the colour mode, so neighbouring values share a
    /// terminal colour (and a colour pair) instead of asking for ones the terminal lacks.
    /// Without colour the ramp becomes three attribute levels: dim, plain, bold.
    public func heat(_ t: Double) -> Style {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        guard !monochrome else {
            let base = Style(bg: background)
            return clamped < 1.0 / 3 ? base.dimmed() : clamped < 2.0 / 3 ? base : base.bolded()
        }
        let step = (clamped * Double(Self.heatSteps)).rounded() / Double(Self.heatSteps)
        let color = step <= 0.5 ? heatRamp.low.mixed(with: heatRamp.mid, fraction: step * 2)
                                : heatRamp.mid.mixed(with: heatRamp.high, fraction: step * 2 - 1)
        return Style(fg: colorMode.quantized(color), bg: background)
    }

    private struct HeatRamp: Equatable, Sendable {
        var low: Color
        var mid: Color
        var high: Color
    }
}
