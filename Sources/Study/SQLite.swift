import CSQLite
import Core
import Foundation

/// A small typed layer over the system SQLite: one connection, prepared statements with
/// positional parameters, and transactions. The run store needs no more than this, and the
/// system library keeps CI's build short (no package to compile).
///
/// Sendable because the connection is opened in SQLite's serialized mode (`SQLITE_OPEN_FULLMUTEX`:
/// SQLite locks the connection around every call) and the class's only stored state, the handle
/// and path, is set once in `init`. `RunStore` still serialises its callers, so a transaction's
/// statements are not interleaved with another thread's.
final class Database: @unchecked Sendable {
    private var handle: OpaquePointer?
    let path: String

    /// Opens (creating) the database at `path` in WAL mode, waiting up to 5 s on a lock.
    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                              nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw QScopeError.runtime("cannot open the run store \(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 5000)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit { sqlite3_close(handle) }

    /// A value bound to a `?` or read from a column.
    enum Value: Equatable {
        case null
        case int(Int)
        case double(Double)
        case text(String)
    }

    /// Runs `sql` (no results wanted) with `values` bound in order.
    func execute(_ sql: String, _ values: [Value] = []) throws {
        _ = try query(sql, values)
    }

    /// Runs `sql` with `values` bound in order and returns every row.
    @discardableResult
    func query(_ sql: String, _ values: [Value] = []) throws -> [[Value]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw error(sql) }
        defer { sqlite3_finalize(statement) }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            // JSON has no NaN, and neither do the tables: a non-finite number is stored as NULL.
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, position)
            case .int(let v): code = sqlite3_bind_int64(statement, position, Int64(v))
            case .double(let v) where v.isFinite: code = sqlite3_bind_double(statement, position, v)
            case .double: code = sqlite3_bind_null(statement, position)
            case .text(let v): code = sqlite3_bind_text(statement, position, v, -1, qscope_sqlite_transient())
            }
            guard code == SQLITE_OK else { throw error(sql) }
        }
        var rows: [[Value]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                rows.append((0..<sqlite3_column_count(statement)).map { column(statement, $0) })
            case SQLITE_DONE:
                return rows
            default:
                throw error(sql)
            }
        }
    }

    /// Runs `body` inside one transaction: all of its writes land, or none (on a throw, or a
    /// kill before the commit).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    private func column(_ statement: OpaquePointer?, _ index: Int32) -> Value {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .int(Int(sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, index))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, index)))
        default: return .null
        }
    }

    private func error(_ sql: String) -> QScopeError {
        .runtime("run store \(path): \(String(cString: sqlite3_errmsg(handle))) (in \(sql.prefix(60)))")
    }
}

extension Database.Value {
    var int: Int? { if case .int(let v) = self { return v }; return nil }
    var double: Double? {
        switch self {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: return nil
        }
    }
    var text: String? { if case .text(let v) = self { return v }; return nil }

    static func number(_ value: Double?) -> Database.Value { value.map(Database.Value.double) ?? .null }
    static func string(_ value: String?) -> Database.Value { value.map(Database.Value.text) ?? .null }
}
