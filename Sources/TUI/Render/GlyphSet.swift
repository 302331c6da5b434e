#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which characters the dashboard may draw with: full Unicode (braille curves, box lines) or
/// plain ASCII for terminals and fonts that cannot show them.
public enum GlyphSet: String, Sendable, CaseIterable {
    case braille
    case ascii

    /// Braille when the locale's character set is UTF-8, else ASCII (htop's rule): in a
    /// non-UTF-8 locale ncursesw prints braille and box lines as blanks.
    ///
    /// Calls `setlocale(LC_ALL, "")` first, because the C library starts in the "C" locale
    /// whatever the environment says. Asking the C library rather than reading `LANG` also
    /// catches a UTF-8 locale that is named but not installed (then the library stays in "C").
    public static func detect() -> GlyphSet {
        setlocale(LC_ALL, "")
        guard let codeset = nl_langinfo(nl_item(CODESET)) else { return .ascii }
        return GlyphSet(codeset: String(cString: codeset))
    }

    /// The glyphs a locale with this character set (`nl_langinfo(CODESET)`) can show:
    /// braille for UTF-8, however it is spelt, ASCII for anything else (`ANSI_X3.4-1968` is
    /// the "C" and "POSIX" locales' set).
    public init(codeset: String) {
        let name = codeset.uppercased().filter { $0 != "-" && $0 != "_" }
        self = name == "UTF8" ? .braille : .ascii
    }

    /// Box-drawing characters for panel borders.
    public var border: BorderGlyphs {
        switch self {
        case .braille:
            return BorderGlyphs(horizontal: "─", vertical: "│", topLeft: "╭", topRight: "╮",
                                bottomLeft: "╰", bottomRight: "╯")
        case .ascii:
            return BorderGlyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
                                bottomLeft: "+", bottomRight: "+")
        }
    }

    /// The short line drawn before a legend entry, in the series' colour.
    public var legendMark: String { self == .braille ? "━━" : "--" }

    /// The sign between width and height ("80×24").
    public var times: String { self == .braille ? "×" : "x" }

    /// A separator between items on the status line.
    public var separator: String { self == .braille ? " · " : " | " }
}

/// The six characters of a rectangular frame.
public struct BorderGlyphs: Sendable, Equatable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
}
