import Core
import Foundation
import TOMLKit

/// A TOML run file (`--config run.toml`): the run flags by their snake_case names, an optional
/// `[hyper]` table (the optimizer's reference names) and an optional `[qat]` table (`method`,
/// `bits`, `act_bits`), decoded straight into `RunOverrides`.
///
///     optimizer = "all"           # or one optimizer
///     model = "s"
///     steps = 2000
///     save = "runs/muon-s.safetensors"
///     [hyper]
///     momentum = 0.95
///     [qat]
///     method = "quest"
///
/// Flags on the command line override the file. Unknown keys, values of the wrong type and
/// syntax errors are bad input naming the file and line.
struct RunFile {
    let path: String
    let overrides: RunOverrides
    private let lines: [Substring]

    /// Reads and decodes the file at `path`.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw QScopeError.badInput("config file not found: \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw QScopeError.badInput("\(path) is not UTF-8 text (a run configuration is TOML)")
        }
        try self.init(toml: text, path: path)
    }

    /// Decodes `text`; `path` names it in errors.
    init(toml text: String, path: String) throws {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw QScopeError.badInput("\(path):\(error.source.begin.line): \(error.description)")
        }
        overrides = try Self.decode(table, path: path, lines: lines)
    }

    /// `path:line: ` for `key` (a dotted key for tables), or `path: ` when the line is not found.
    func location(of key: String) -> String { Self.location(of: key, path: path, lines: lines) }

    private static func decode(_ table: TOMLTable, path: String, lines: [Substring]) throws -> RunOverrides {
        for key in table.keys.sorted() where !RunOverrides.keys.contains(key) {
            throw QScopeError.badInput("\(location(of: key, path: path, lines: lines))unknown key '\(key)' "
                                       + "(known: \(RunOverrides.keys.sorted().joined(separator: ", ")))")
        }
        if let qat = table["qat"]?.table {
            let known = ["method", "bits", "act_bits"]
            for key in qat.keys.sorted() where !known.contains(key) {
                throw QScopeError.badInput("\(location(of: "qat.\(key)", path: path, lines: lines))unknown key "
                                           + "'qat.\(key)' (known: \(known.map { "qat.\($0)" }.joined(separator: ", ")))")
            }
        }
        do {
            return try JSONDecoder().decode(RunOverrides.self, from: Data(table.convert(to: .json).utf8))
        } catch let error as QScopeError {
            throw QScopeError.badInput("\(path): \(error.description)")
        } catch let error as DecodingError {
            let key = error.keyPath
            throw QScopeError.badInput("\(location(of: key, path: path, lines: lines))\(key) must be \(error.expected)")
        }
    }

    /// The first line that assigns `key` (`a.b` is `b` after a `[a]` header), as `path:N: `.
    private static func location(of key: String, path: String, lines: [Substring]) -> String {
        let parts = key.split(separator: ".")
        var table = ""
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                table = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                continue
            }
            let name = trimmed.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            let scope = parts.count > 1 ? parts.dropLast().joined(separator: ".") : ""
            if name == String(parts.last ?? ""), table == scope { return "\(path):\(index + 1): " }
        }
        return "\(path): "
    }
}

private extension DecodingError {
    /// The dotted key the error is about.
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
            return "of type \(name)"
        case .dataCorrupted(let c): return "valid (\(c.debugDescription))"
        case .keyNotFound: return "present"
        @unknown default: return "valid"
        }
    }
}
