import Foundation

/// Appends a run's metrics log (`MetricsLog`) as it trains, for `qscope watch` to follow.
///
/// Each line goes out in one unbuffered `write`, so a reader sees a record as soon as it is
/// logged and at worst the unterminated end of one it will read on its next pass. Used by one
/// thread at a time: the trainer's while it runs, then the owner's for the final line.
public final class MetricsLogWriter: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Creates (or, when `resuming`, extends) the log at `path` and writes the header of
    /// `spec`; throws `runtime` when the file cannot be opened.
    public init(path: String, spec: RunSpec, resuming: Bool) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory,
                                                 withIntermediateDirectories: true)
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resuming ? 0 : O_TRUNC), 0o644)
        guard descriptor >= 0 else {
            throw QScopeError.runtime("cannot write the metrics log \(path): \(String(cString: strerror(errno)))")
        }
        append(.header(MetricsLogHeader(spec: spec)))
    }

    deinit { close(descriptor) }

    /// Appends a log record, then what the probe measured at that step, if it ran.
    public func append(_ record: TrainLog) {
        append(.record(record))
        if let probe = record.probe { append(.probe(probe)) }
    }

    /// Appends one line. A failed write costs the watcher a record, never the training, so it
    /// is not an error.
    public func append(_ line: MetricsLogLine) {
        let bytes = Array((line.json + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
