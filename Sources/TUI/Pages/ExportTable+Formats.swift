import Core
import Foundation

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

/// A widget that can hand over the data it draws, for `e` (export).
public protocol ExportableWidget: Widget {
    var exportTable: ExportTable { get }
}

extension ExportTable {
    /// RFC 4180 CSV: a header line, then one line per row; fields with commas, quotes or line
    /// breaks are quoted.
    public var csv: String {
        ([header] + rows).map { $0.map(Self.csvField).joined(separator: ",") + "\r\n" }.joined()
    }

    /// A JSON array of one object per row, keyed by the header; cells that read as numbers
    /// are numbers, empty cells null, the rest strings.
    public var json: String {
        let objects = rows.map { row in
            "  {" + zip(header, row).map { "\(JSONText.quote($0)): \(Self.jsonValue($1))" }.joined(separator: ", ") + "}"
        }
        return objects.isEmpty ? "[]\n" : "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }

    private static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func jsonValue(_ text: String) -> String {
        if text.isEmpty { return "null" }
        return isJSONNumber(text) ? text : JSONText.quote(text)
    }

    /// True when `text` is a number in JSON's grammar: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isJSONNumber(_ text: String) -> Bool {
        var rest = Substring(text)
        func digits() -> Int {
            let count = rest.prefix(while: \.isASCIIDigit).count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == "-" { rest = rest.dropFirst() }
        let leadingZero = rest.first == "0"
        let integer = digits()
        guard integer > 0, !(leadingZero && integer > 1) else { return false }
        if rest.first == "." {
            rest = rest.dropFirst()
            guard digits() > 0 else { return false }
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return rest.isEmpty
    }
}
