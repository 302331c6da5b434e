/// A page's data as a plain table, for the dashboard's CSV/JSONL export.
///
/// Header names are snake_case; cells hold plain numbers (`ExportTable.number`) or names, and
/// an empty string where a value is missing, so a spreadsheet reads the file as is.
public struct ExportTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// A number as export files write it: the shortest text that reads back as the same
    /// `Double` ("0.0123", "1e-05"), `nan`/`inf` spelled out, empty when missing.
    public static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    /// `name` as a header: lowercase, with every run of other characters turned into one `_`
    /// ("adamw/tiny" → "adamw_tiny").
    public static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                result.append(character)
            } else if !result.isEmpty, result.last != "_" {
                result.append("_")
            }
        }
        while result.last == "_" { result.removeLast() }
        return result
    }
}
