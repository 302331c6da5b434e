import Core
import Foundation
import Synchronization

/// The study's run store: one SQLite database (WAL) holding the study's spec, its runs by
/// deterministic id (`RunSpec.id`), their metric points and evaluations, the measurements taken
/// of them, and the choices and fits made from them. Every write is one transaction, so a kill
/// at any moment leaves the store as it was before or after that write.
///
/// Safe to use from several threads (trainer threads record points): calls are serialised.
public final class RunStore: Sendable {
    public let path: String
    private let database: Database
    /// Held for each call, so one caller's transaction is never interleaved with another's.
    private let lock = Mutex(())

    /// The schema version this code writes; older stores are upgraded, newer refused.
    static let schemaVersion = 1

    /// Opens (creating) the store at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let database = try Database(path: path)
        try Self.migrate(database)
        self.database = database
    }

    private static func migrate(_ db: Database) throws {
        try db.transaction {
            try db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            let version = try db.query("SELECT value FROM meta WHERE key = 'schema'").first?.first?.text.flatMap { Int($0) }
            if let version, version > schemaVersion {
                throw QScopeError.badInput("the run store was written by a newer qscope (schema \(version))")
            }
            try db.execute("""
                CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, stage TEXT NOT NULL, size TEXT NOT NULL,
                  optimizer TEXT NOT NULL, seed INTEGER NOT NULL, qat INTEGER NOT NULL, lr REAL NOT NULL,
                  params INTEGER NOT NULL, params_non_embedding INTEGER NOT NULL, steps INTEGER NOT NULL,
                  spec TEXT NOT NULL, status TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0, val_loss REAL,
                  elapsed REAL, message TEXT)
                """)
            try db.execute("CREATE TABLE IF NOT EXISTS plan (run TEXT PRIMARY KEY REFERENCES runs(id))")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS points (run TEXT NOT NULL REFERENCES runs(id), step INTEGER NOT NULL,
                  tokens INTEGER NOT NULL, loss REAL, val_loss REAL, lr REAL, elapsed REAL, PRIMARY KEY (run, step))
                """)
            try db.execute("""
                CREATE TABLE IF NOT EXISTS measurements (run TEXT NOT NULL REFERENCES runs(id), point TEXT NOT NULL,
                  step INTEGER NOT NULL, settings TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run, point))
                """)
            try db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            try db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [.text(String(schemaVersion))])
        }
    }

    private func with<T>(_ body: (Database) throws -> T) throws -> T {
        try lock.withLock { _ in try body(database) }
    }

    // MARK: the study and its plan

    /// Records the study's spec and makes `runs` its plan: new runs are added as pending, runs
    /// already in the store (the same id) keep what they have.
    public func setPlan(spec: StudySpec, runs: [PlannedRun]) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(spec), as: UTF8.self)
        try with { db in
            try db.transaction {
                try db.execute("INSERT OR REPLACE INTO meta VALUES ('spec', ?)", [.text(json)])
                try db.execute("DELETE FROM plan")
                for run in runs {
                    let spec = run.spec
                    try db.execute("""
                        INSERT OR IGNORE INTO runs (id, stage, size, optimizer, seed, qat, lr, params,
                          params_non_embedding, steps, spec, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                        """, [.text(run.id), .text(run.stage.rawValue), .text(run.size), .text(spec.optimizer.rawValue),
                              .int(Int(spec.seed)), .int(spec.qat == nil ? 0 : 1), .double(Double(spec.learningRate)),
                              .int(spec.model.parameterCount), .int(spec.model.nonEmbeddingParameterCount),
                              .int(spec.steps), .text(try spec.json())])
                    try db.execute("INSERT OR IGNORE INTO plan VALUES (?)", [.text(run.id)])
                }
            }
        }
    }

    /// The study's spec, if one was recorded.
    public func spec() throws -> StudySpec? {
        guard let json = try with({ try $0.query("SELECT value FROM meta WHERE key = 'spec'").first?.first?.text }) else {
            return nil
        }
        return try JSONDecoder().decode(StudySpec.self, from: Data(json.utf8))
    }

    // MARK: runs

    /// Every run of the current plan, in the order they were planned.
    public func plannedRuns() throws -> [StoredStudyRun] {
        try with { db in
            try db.query("""
                SELECT r.id, r.stage, r.size, r.optimizer, r.seed, r.qat, r.lr, r.params, r.params_non_embedding,
                  r.steps, r.status, r.step, r.val_loss, r.elapsed, r.message FROM runs r JOIN plan p ON p.run = r.id
                ORDER BY r.rowid
                """).compactMap(StoredStudyRun.init(row:))
        }
    }

    /// Marks run `id` as training (or resumed).
    public func markStarted(_ id: String) throws {
        try with { try $0.execute("UPDATE runs SET status = 'running' WHERE id = ?", [.text(id)]) }
    }

    /// Records a log record of run `id` (a record logged again after a resume replaces itself).
    public func record(_ id: String, _ log: TrainLog) throws {
        try with { db in
            try db.transaction {
                try db.execute("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [.text(id), .int(log.step), .int(log.tokens), .number(log.loss), .number(log.valLoss),
                                .double(log.learningRate), .double(log.elapsed)])
                try db.execute("UPDATE runs SET step = ?, elapsed = ? WHERE id = ?",
                               [.int(log.step), .double(log.elapsed), .text(id)])
            }
        }
    }

    /// Records how run `id` ended.
    public func finish(_ id: String, _ end: RunEnd) throws {
        try with {
            try $0.execute("UPDATE runs SET status = ?, step = ?, val_loss = ?, message = ? WHERE id = ?",
                           [.text(end.status.rawValue), .int(end.step), .number(end.valLoss), .string(end.message),
                            .text(id)])
        }
    }

    /// Run `id`'s validation losses by step, in order.
    public func evaluations(_ id: String) throws -> [(step: Int, loss: Double)] {
        try with { db in
            try db.query("SELECT step, val_loss FROM points WHERE run = ? AND val_loss IS NOT NULL ORDER BY step",
                         [.text(id)]).compactMap { row in
                row[0].int.flatMap { step in row[1].double.map { (step, $0) } }
            }
        }
    }

    // MARK: measurements and results

    /// The measurement of run `id` at `point`, if one was taken at `step` with `settings`.
    public func measurement<T: Decodable>(_ type: T.Type, run id: String, point: String, step: Int,
                                          settings: String) throws -> T? {
        let row = try with {
            try $0.query("SELECT value FROM measurements WHERE run = ? AND point = ? AND step = ? AND settings = ?",
                         [.text(id), .text(point), .int(step), .text(settings)]).first
        }
        return try row?.first?.text.map { try JSONDecoder.lenient.decode(T.self, from: Data($0.utf8)) }
    }

    public func putMeasurement<T: Encodable>(_ value: T, run id: String, point: String, step: Int,
                                             settings: String) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
        try with {
            try $0.execute("INSERT OR REPLACE INTO measurements VALUES (?, ?, ?, ?, ?)",
                           [.text(id), .text(point), .int(step), .text(settings), .text(json)])
        }
    }

    /// A derived result (the selections, common losses, fits, the tables) under `key`.
    public func result<T: Decodable>(_ type: T.Type, key: String) throws -> T? {
        let json = try with { try $0.query("SELECT value FROM results WHERE key = ?", [.text(key)]).first?.first?.text }
        return try json.map { try JSONDecoder.lenient.decode(T.self, from: Data($0.utf8)) }
    }

    public func putResult<T: Encodable>(_ value: T, key: String) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
        try with { try $0.execute("INSERT OR REPLACE INTO results VALUES (?, ?)", [.text(key), .text(json)]) }
    }
}

/// One run of a study as the store holds it.
public struct StoredStudyRun: Sendable, Equatable {
    public let id: String
    public let stage: StudyStage
    public let size: String
    public let optimizer: OptimizerKind
    public let seed: UInt64
    public let qat: Bool
    public let learningRate: Double
    public let parameters: Int
    public let nonEmbeddingParameters: Int
    public let steps: Int
    public let status: String
    public let step: Int
    public let valLoss: Double?
    public let elapsed: Double?
    public let message: String?

    init?(row: [Database.Value]) {
        guard row.count == 15, let id = row[0].text, let stage = row[1].text.flatMap(StudyStage.init(rawValue:)),
              let size = row[2].text, let optimizer = row[3].text.flatMap(OptimizerKind.init(rawValue:)),
              let seed = row[4].int, let qat = row[5].int, let lr = row[6].double, let params = row[7].int,
              let nonEmbedding = row[8].int, let steps = row[9].int, let status = row[10].text, let step = row[11].int
        else { return nil }
        (self.id, self.stage, self.size, self.optimizer, self.seed) = (id, stage, size, optimizer, UInt64(seed))
        (self.qat, learningRate, parameters, nonEmbeddingParameters) = (qat != 0, lr, params, nonEmbedding)
        (self.steps, self.status, self.step) = (steps, status, step)
        (valLoss, elapsed, message) = (row[12].double, row[13].double, row[14].text)
    }

    public var isFinished: Bool { status == RunStatus.finished.rawValue }
    public var isDone: Bool { status == RunStatus.finished.rawValue || status == RunStatus.diverged.rawValue }
}

extension JSONEncoder {
    /// Sorted keys; non-finite numbers as strings (measurements can hold an unbounded MMR).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return encoder
    }
}

extension JSONDecoder {
    static var lenient: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                        nan: "nan")
        return decoder
    }
}
