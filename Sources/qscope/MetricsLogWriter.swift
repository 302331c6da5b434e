import Core
import Foundation

/// Appends a run's metrics log (`MetricsLog`) as it trains, for `qscope watch` to follow.
///
/// Each line goes out in one unbuffered `write`, so a reader sees a record as soon as it is
/// logged and at worst the unterminated end of one it will read on its next pass. Used by one
/// thread at a time: the trainer's while it runs, then the main thread for the final line.
final class MetricsLogWriter: Sendable {
    let path: String
    private let descriptor: Int32

    /// Creates (or, when `resuming`, extends) the log beside `checkpoint` and writes its
    /// header; throws `runtime` when the file cannot be opened.
    init(checkpoint: String, config: TrainConfig, resuming: Bool) throws {
        path = MetricsLog.path(forCheckpoint: checkpoint)
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory,
                                                 withIntermediateDirectories: true)
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resuming ? 0 : O_TRUNC), 0o644)
        guard descriptor >= 0 else {
            throw QScopeError.runtime("cannot write the metrics log \(path): \(String(cString: strerror(errno)))")
        }
        append(JSONLine.encode([
            ("run", .string("\(config.optimizer)/\(config.model.name)")), ("optimizer", .string(config.optimizer)),
            ("model", .string(config.model.name)), ("total_steps", .int(config.steps)),
            ("params", .int(config.model.parameterCount)), ("qat", config.qat.map { .string($0.label) } ?? .null),
        ]))
    }

    deinit { close(descriptor) }

    /// Appends a log record, then what the probe measured at that step, if it ran.
    func append(_ record: TrainLog) {
        append(JSONLine.record(record))
        if let probe = record.probe { append(probe.logLine) }
    }

    /// Appends one line (a JSON object without its newline). A failed write costs the
    /// watcher a record, never the training, so it is not an error.
    func append(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
