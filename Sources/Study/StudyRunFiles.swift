import Core
import Foundation

/// A study run's own files in `DIR/runs/<id>/`, which cluster tasks write instead of the store:
/// the metrics log the run's session appends (its log records and how it ended), its checkpoint
/// and evaluation snapshots, and one JSON file per measurement taken of it.
///
/// SQLite's locking does not work over NFS, so no task writes `study.sqlite`; `import` reads the
/// files back into a store: a task's private one (to make the previous stage's choices) or the
/// study's own (`qscope study --collect`). Importing twice changes nothing.
enum StudyRunFiles {
    /// One measurement file: where and how it was taken, and what it found (a
    /// `StudyMeasurement`, or an `AllocationMeasurement` at the allocation point).
    struct MeasurementFile<Measurement: Codable>: Codable {
        var point: String
        var step: Int
        var settings: String
        var measurement: Measurement
    }

    /// A measurement file's point, read first to choose the type of its measurement.
    private struct FilePoint: Decodable { var point: String }

    static func directory(of id: String, in plan: StudyPlan) -> String {
        (plan.checkpoint(of: id) as NSString).deletingLastPathComponent
    }

    /// Whether run `id`'s metrics log says it finished or diverged.
    static func isDone(_ id: String, in plan: StudyPlan) -> Bool {
        guard let status = read(id, in: plan).end?.status else { return false }
        return status == .finished || status == .diverged
    }

    /// What run `id`'s metrics log holds: its records (a step logged again after a resume
    /// replaces the earlier one) and its last end line.
    static func read(_ id: String, in plan: StudyPlan) -> (records: [TrainLog], end: RunEnd?) {
        let path = RunPaths(checkpoint: plan.checkpoint(of: id)).metricsLog
        guard FileManager.default.fileExists(atPath: path),
              let data = try? TextFile.read(path, limit: 1 << 30, what: "metrics log") else { return ([], nil) }
        var records: [Int: TrainLog] = [:], end: RunEnd?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            switch MetricsLogLine(json: line) {
            case .record(let record): records[record.step] = record
            case .end(let ended): end = ended
            default: break
            }
        }
        return (records.values.sorted { $0.step < $1.step }, end)
    }

    /// Copies run `id`'s records, its end (unless it was stopped: a stopped run resumes) and its
    /// measurement files into `store`, whose plan must hold the run.
    static func importRun(_ id: String, plan: StudyPlan, into store: RunStore) throws {
        let (records, end) = read(id, in: plan)
        for record in records { try store.record(id, record) }
        if let end, end.status != .stopped { try store.finish(id, end) }
        let directory = directory(of: id, in: plan)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix("measurement-") && name.hasSuffix(".json") {
            let path = (directory as NSString).appendingPathComponent(name)
            let data = try TextFile.read(path, limit: 1 << 24, what: "measurement")
            func put<T: Codable>(_ type: T.Type) throws {
                // Lenient: the files are written with non-finite numbers as strings (an MMR can be unbounded).
                let file = try JSONDecoder.lenient.decode(MeasurementFile<T>.self, from: data)
                try store.putMeasurement(file.measurement, run: id, point: file.point, step: file.step, settings: file.settings)
            }
            let point = try JSONDecoder.lenient.decode(FilePoint.self, from: data).point
            if point == StudyMeasurements.Point.allocation.rawValue {
                try put(AllocationMeasurement.self)
            } else {
                try put(StudyMeasurement.self)
            }
        }
    }

    /// Writes a measurement of run `id` next to its checkpoint (atomically).
    static func writeMeasurement<T: Codable>(_ measurement: T, run id: String, point: String, step: Int,
                                             settings: String, plan: StudyPlan) throws {
        let file = MeasurementFile(point: point, step: step, settings: settings, measurement: measurement)
        let path = (directory(of: id, in: plan) as NSString).appendingPathComponent("measurement-\(point)-\(step).json")
        try AtomicFile.write(try JSONEncoder.sorted.encode(file), to: path)
    }
}
