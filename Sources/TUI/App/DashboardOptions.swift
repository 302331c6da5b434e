/// How the dashboard looks and behaves; the CLI fills it from flags.
public struct DashboardOptions: Equatable, Sendable {
    public var theme: ThemeChoice
    /// Draw with ASCII only, whatever the locale says (for fonts without braille).
    public var forceASCII: Bool
    /// Use this colour mode instead of detecting one (e.g. `.none` for `--no-color`).
    public var colorMode: ColorMode?
    /// Below this size the dashboard shows the too-small screen instead.
    public var minimumSize: Size
    /// Milliseconds between frames (the input wait), about 30 Hz by default.
    public var tickMilliseconds: Int32
    /// The machine's kernels for the status line (`DashboardView.machine`).
    public var machine: String?

    public init(theme: ThemeChoice = .named("default"), forceASCII: Bool = false,
                colorMode: ColorMode? = nil, minimumSize: Size = Size(width: 60, height: 16),
                tickMilliseconds: Int32 = 33) {
        self.theme = theme
        self.forceASCII = forceASCII
        self.colorMode = colorMode
        self.minimumSize = minimumSize
        self.tickMilliseconds = tickMilliseconds
    }
}
