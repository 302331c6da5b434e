/// How a cell is drawn: colours plus the attributes that still work without colour.
public struct Style: Hashable, Sendable {
    public var fg: Color
    public var bg: Color
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(fg: Color = .default, bg: Color = .default, bold: Bool = false, dim: Bool = false,
                reverse: Bool = false, underline: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    /// The terminal's default colours, no attributes.
    public static let plain = Style()

    /// A copy with another foreground colour.
    public func with(fg: Color) -> Style { var s = self; s.fg = fg; return s }
    /// A bold copy.
    public func bolded() -> Style { var s = self; s.bold = true; return s }
    /// A dimmed copy.
    public func dimmed() -> Style { var s = self; s.dim = true; return s }

    /// `fg=… bg=… bold dim reverse underline`: the spelling of snapshot style runs.
    public var dumpDescription: String {
        var parts = ["fg=\(fg.hexDescription)", "bg=\(bg.hexDescription)"]
        if bold { parts.append("bold") }
        if dim { parts.append("dim") }
        if reverse { parts.append("reverse") }
        if underline { parts.append("underline") }
        return parts.joined(separator: " ")
    }
}
