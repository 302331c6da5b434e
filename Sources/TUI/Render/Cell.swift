/// One terminal cell: a single-column glyph and its style.
///
/// Widgets only write single-width glyphs (ASCII, braille, box drawing), so a cell never
/// spans two columns; that keeps diffing and clipping simple arithmetic.
public struct Cell: Hashable, Sendable {
    public var glyph: Character
    public var style: Style

    public init(_ glyph: Character = " ", style: Style = .plain) {
        self.glyph = glyph
        self.style = style
    }

    /// A space in the terminal's default colours.
    public static let blank = Cell()
}
