import Core
import Foundation

/// Writes what a view shows to files: its data as CSV and JSON, and the screen as text.
public struct DashboardExport {
    /// The folder the files go in (created when missing).
    public var directory: String

    public init(directory: String = "exports") {
        self.directory = directory
    }

    /// Writes `qscope-<view>-<yyyymmdd-hhmmss>.{csv,json,txt}`, each atomically, and returns
    /// the base path (without extension). A second export in the same second gets `-2`, `-3`…
    /// rather than replacing the first.
    public func write(page: DashboardPage, table: ExportTable, screen: String, date: Date) throws -> String {
        let stem = "\(directory)/qscope-\(page.title.lowercased())-\(Self.timestamp(date))"
        var base = stem
        var attempt = 1
        while FileManager.default.fileExists(atPath: base + ".csv") {
            attempt += 1
            base = "\(stem)-\(attempt)"
        }
        try AtomicFile.write(Data(table.csv.utf8), to: base + ".csv")
        try AtomicFile.write(Data(table.json.utf8), to: base + ".json")
        try AtomicFile.write(Data((screen + "\n").utf8), to: base + ".txt")
        return base
    }

    /// `20250131-235959` in local time: names that sort by when they were written.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}
