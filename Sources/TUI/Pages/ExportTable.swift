/// A view's data as a table for export: snake_case column names and plain cell text
/// (numbers unformatted, so a spreadsheet or `json.load` reads them as numbers).
public struct ExportTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }
}
