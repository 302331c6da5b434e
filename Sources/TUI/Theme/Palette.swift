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
    private let monochrome: Bool
    private let background: Color

    public init(theme: Theme, colorMode: ColorMode) {
        monochrome = colorMode == .none
        let mono = monochrome
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
    }

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
}
