/// The dashboard's colours, one per role, as read from a `.theme` file.
///
/// `Color.default` means "the terminal's own colour", which keeps the dashboard readable on
/// light and dark terminals alike; the built-in theme uses it for the main text and background.
public struct Theme: Equatable, Sendable {
    public var mainFg: Color
    public var mainBg: Color
    public var title: Color
    public var border: Color
    public var axis: Color
    public var textDim: Color
    public var highlight: Color
    public var statusFg: Color
    public var statusBg: Color
    public var warn: Color
    public var crit: Color
    /// Curve colours, one per run slot; a run's colour is `runs[id % runs.count]`.
    public var runs: [Color]
    /// The tint validation curves are mixed towards, so a run's val curve is a lighter (or
    /// darker) shade of its train curve.
    public var val: Color

    /// The theme compiled into the binary: the same values as `themes/default.theme`, so the
    /// dashboard works without any file (a test keeps the two identical).
    public static let builtIn = Theme(
        mainFg: .default, mainBg: .default,
        title: .rgb(0x5f, 0xaf, 0xff), border: .rgb(0x6c, 0x6c, 0x6c),
        axis: .rgb(0x8a, 0x8a, 0x8a), textDim: .rgb(0x80, 0x80, 0x80),
        highlight: .rgb(0xff, 0xd7, 0x5f),
        statusFg: .rgb(0xff, 0xff, 0xff), statusBg: .rgb(0x00, 0x5f, 0x87),
        warn: .rgb(0xff, 0xaf, 0x00), crit: .rgb(0xff, 0x5f, 0x5f),
        runs: [.rgb(0x00, 0xaf, 0xff), .rgb(0xff, 0x87, 0x00), .rgb(0x5f, 0xd7, 0x5f),
               .rgb(0xd7, 0x5f, 0xd7), .rgb(0xff, 0xd7, 0x00), .rgb(0xff, 0x5f, 0x87)],
        val: .rgb(0xff, 0xff, 0xff))

    /// Sets the colour named by a theme-file key; false for a key this version doesn't know.
    mutating func set(key: String, to color: Color) -> Bool {
        switch key {
        case "main_fg": mainFg = color
        case "main_bg": mainBg = color
        case "title": title = color
        case "border": border = color
        case "axis": axis = color
        case "text_dim": textDim = color
        case "highlight": highlight = color
        case "status_fg": statusFg = color
        case "status_bg": statusBg = color
        case "warn": warn = color
        case "crit": crit = color
        case "val": val = color
        default:
            guard key.hasPrefix("run"), let slot = Int(key.dropFirst(3)),
                  runs.indices.contains(slot - 1) else { return false }
            runs[slot - 1] = color
        }
        return true
    }
}
