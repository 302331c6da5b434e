/// The frames of a busy indicator, one glyph each.
public enum Spinner {
    /// The glyph for animation frame `frame`: a rotating braille dot, or `|/-\\` in ASCII.
    public static func glyph(_ frame: Int, glyphs: GlyphSet) -> Character {
        let frames: [Character] = glyphs == .braille ? ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
                                                      : ["|", "/", "-", "\\"]
        return frames[((frame % frames.count) + frames.count) % frames.count]
    }
}
