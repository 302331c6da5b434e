import Core
import Foundation

/// What a theme file says: the theme, and which keys it set or this version does not know.
public struct ParsedTheme: Equatable, Sendable {
    public var theme: Theme
    /// The known keys the file assigns, in file order.
    public var keys: [String]
    /// Keys skipped as unknown (a newer version's, or misspelt), in file order.
    public var unknownKeys: [String]
}

extension Theme {
    /// Reads a theme file's text over `base` (keys the file leaves out keep `base`'s colour).
    ///
    /// A line is a `#` comment, blank, `key = "value"`, or btop's `theme[key]="value"`, so
    /// btop-style files load too. Unknown keys are skipped for forward compatibility; a
    /// malformed line or a bad colour for a known key throws
    /// `QScopeError.badInput("<file>:<line>: <what is wrong>")`.
    public static func parse(_ text: String, fileName: String, base: Theme = .builtIn) throws -> Theme {
        try read(text, fileName: fileName, base: base).theme
    }

    /// `parse`, also reporting which keys the file set and which it named in vain.
    public static func read(_ text: String, fileName: String, base: Theme = .builtIn) throws -> ParsedTheme {
        var parsed = ParsedTheme(theme: base, keys: [], unknownKeys: [])
        // Split on any line ending: in Swift "\r\n" is one Character, so splitting on "\n" alone
        // would read a CRLF file as one line.
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ what: String) -> QScopeError {
                .badInput("\(fileName):\(offset + 1): \(what)")
            }
            guard let (key, value) = splitAssignment(line) else {
                throw fail("expected key = \"#RRGGBB\", got `\(TextFile.excerpt(line))`")
            }
            let color = Color(themeValue: value)
            var candidate = parsed.theme
            guard candidate.set(key: key, to: color ?? .default) else {
                parsed.unknownKeys.append(key)
                continue
            }
            guard color != nil else {
                throw fail("`\(TextFile.excerpt(key))` has an invalid colour \"\(TextFile.excerpt(value))\" "
                    + "(expected \"#RRGGBB\", \"#BW\", \"R G B\" or \"\" for the terminal default)")
            }
            parsed.theme = candidate
            parsed.keys.append(key)
        }
        return parsed
    }

    /// Reads a theme file from disk over the built-in theme.
    public static func load(path: String) throws -> Theme {
        let data = try TextFile.read(path, limit: 1 << 16, what: "theme file")
        guard let text = String(data: data, encoding: .utf8) else {
            throw QScopeError.badInput("\(path): the theme file is not UTF-8 text")
        }
        return try parse(text, fileName: path)
    }

    /// `key` and the unquoted value of `key = "value"` or `theme[key]="value"`, allowing a
    /// trailing `# comment`; nil when the line has neither shape.
    private static func splitAssignment(_ line: String) -> (String, String)? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        var key = line[..<equals].trimmingCharacters(in: .whitespaces)
        if key.hasPrefix("theme["), key.hasSuffix("]") {
            key = String(key.dropFirst(6).dropLast())
        }
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let rest = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("\"") else { return nil }
        let afterOpen = rest.dropFirst()
        guard let close = afterOpen.firstIndex(of: "\"") else { return nil }
        let trailing = afterOpen[afterOpen.index(after: close)...].trimmingCharacters(in: .whitespaces)
        guard trailing.isEmpty || trailing.hasPrefix("#") else { return nil }
        return (key, String(afterOpen[..<close]))
    }
}
