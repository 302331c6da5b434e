import Core
import Foundation

extension Theme {
    /// Reads a theme file's text over `base` (keys the file leaves out keep `base`'s colour).
    ///
    /// A line is a `#` comment, blank, `key = "value"`, or btop's `theme[key]="value"`, so
    /// btop-style files load too. Unknown keys are skipped for forward compatibility; a
    /// malformed line or a bad colour for a known key throws
    /// `QScopeError.badInput("<file>:<line>: <what is wrong>")`.
    public static func parse(_ text: String, fileName: String, base: Theme = .builtIn) throws -> Theme {
        var theme = base
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ what: String) -> QScopeError {
                .badInput("\(fileName):\(offset + 1): \(what)")
            }
            guard let (key, value) = splitAssignment(line) else {
                throw fail("expected `key = \"value\"`, found `\(line)`")
            }
            let color = Color(themeValue: value)
            var candidate = theme
            guard candidate.set(key: key, to: color ?? .default) else { continue }
            guard color != nil else {
                throw fail("`\(key)` has an invalid colour \"\(value)\" "
                    + "(expected \"#RRGGBB\", \"#BW\", \"R G B\" or \"\" for the terminal default)")
            }
            theme = candidate
        }
        return theme
    }

    /// Reads a theme file from disk over the built-in theme.
    public static func load(path: String) throws -> Theme {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw QScopeError.badInput("\(path): cannot read the theme file: \(error.localizedDescription)")
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
