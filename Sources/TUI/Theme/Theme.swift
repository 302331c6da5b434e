/// The dashboard's colours, one per role, as read from a `.theme` file.
///
/// `Color.default` means "the terminal's own colour", which keeps the dashboard readable on
/// light and dark terminals alike; the default theme uses it for the main text and background.
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
    /// The sequential ramp of heatmaps: the lowest value, the middle, the highest.
    public var heatLow: Color
    public var heatMid: Color
    public var heatHigh: Color

    /// The file keys of the single colours, in the order `default.theme` lists them.
    static let colorKeys: [(name: String, path: any WritableKeyPath<Theme, Color> & Sendable)] = [
        ("main_fg", \.mainFg), ("main_bg", \.mainBg), ("title", \.title), ("border", \.border),
        ("axis", \.axis), ("text_dim", \.textDim), ("highlight", \.highlight),
        ("status_fg", \.statusFg), ("status_bg", \.statusBg), ("warn", \.warn), ("crit", \.crit),
        ("val", \.val), ("heat_low", \.heatLow), ("heat_mid", \.heatMid), ("heat_high", \.heatHigh),
    ]

    /// Every key a theme file may set: the single colours, then `run1`, `run2`, ….
    public var keyNames: [String] {
        Self.colorKeys.map(\.name) + runs.indices.map { "run\($0 + 1)" }
    }

    /// Sets the colour named by a theme-file key; false for a key this version doesn't know.
    mutating func set(key: String, to color: Color) -> Bool {
        if let entry = Self.colorKeys.first(where: { $0.name == key }) {
            self[keyPath: entry.path] = color
            return true
        }
        guard key.hasPrefix("run"), let slot = Int(key.dropFirst(3)), runs.indices.contains(slot - 1) else {
            return false
        }
        runs[slot - 1] = color
        return true
    }
}
