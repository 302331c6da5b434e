import Core
import Foundation
import TOMLKit

/// A TOML file a person wrote (a run file, a study spec), decoded into a Codable type through
/// its JSON form, with every error naming the file and, where it can be found, the line.
struct TOMLFile {
    let path: String
    let table: TOMLTable
    private let lines: [Substring]

    /// Reads the file at `path`: missing, non-UTF-8 and malformed files are bad input.
    init(path: String) throws {
        let data = try TextFile.read(path, limit: 1 << 20, what: "config file")
        guard let text = String(data: data, encoding: .utf8) else {
            throw QScopeError.badInput("\(path) is not UTF-8 text (expected TOML)")
        }
        try self.init(text: text, path: path)
    }

    /// Parses `text`; `path` names it in errors.
    init(text: String, path: String) throws {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        try Self.rejectParserTraps(lines, path: path)
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw QScopeError.badInput("\(path):\(error.source.begin.line): \(TextFile.excerpt(error.description, length: 160))")
        }
    }

    /// Lines that make the bundled toml++ (TOMLKit 0.6.0) fail an internal assertion and abort
    /// instead of reporting an error, found by the fuzz test: a table header (`[` or `[[` at
    /// the start of a line) whose first non-blank character cannot start a key. Such a line is
    /// invalid TOML anyway, except as a row of a multi-line array that itself starts with a
    /// bracket or a blank, which run files and study specs never need.
    private static func rejectParserTraps(_ lines: [Substring], path: String) throws {
        func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }
        for (index, line) in lines.enumerated() {
            var rest = line.drop(while: isBlank)
            guard rest.hasPrefix("[") else { continue }
            rest = rest.dropFirst(rest.hasPrefix("[[") ? 2 : 1).drop(while: isBlank)
            if let first = rest.first, first.isASCII, first.isLetter || first.isNumber || "_-\"'".contains(first) {
                continue
            }
            throw QScopeError.badInput("\(path):\(index + 1): a table header must start with a key")
        }
    }

    /// The document decoded as `T`; a wrong type or unknown key names its key and line.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(table.convert(to: .json).utf8))
        } catch let error as QScopeError {
            throw QScopeError.badInput("\(path): \(error.description)")
        } catch let error as DecodingError {
            let key = error.keyPath
            if case .dataCorrupted(let context) = error, context.debugDescription.hasPrefix("unknown key") {
                throw QScopeError.badInput("\(location(of: key))\(context.debugDescription)")
            }
            throw QScopeError.badInput("\(location(of: key))\(key) must be \(error.expected)")
        }
    }

    /// The first line that assigns `key` (`a.b` is `b` after a `[a]` or `[[a]]` header), as
    /// `path:N: `, or `path: ` when it is not found.
    func location(of key: String) -> String {
        let parts = key.split(separator: ".").filter { Int($0) == nil }
        let scope = parts.dropLast().joined(separator: ".")
        var table = ""
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                table = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                continue
            }
            let name = trimmed.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            if name == String(parts.last ?? ""), table == scope { return "\(path):\(index + 1): " }
        }
        return "\(path): "
    }
}

private extension DecodingError {
    /// The dotted key the error is about (array indices included, as `sizes.1.width`).
    var keyPath: String {
        let path: [CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        return path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    /// What the value should have been, in words.
    var expected: String {
        switch self {
        case .typeMismatch(let type, _), .valueNotFound(let type, _):
            let name = "\(type)"
            if name.hasPrefix("Int") || name.hasPrefix("UInt") { return "an integer" }
            if name == "Float" || name == "Double" { return "a number" }
            if name == "String" { return "a string" }
            if name == "Bool" { return "true or false" }
            return "of type \(name)"
        case .dataCorrupted(let c): return "valid (\(c.debugDescription))"
        case .keyNotFound: return "present"
        @unknown default: return "valid"
        }
    }
}
