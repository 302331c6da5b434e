import Foundation

/// A run rebuilt from its metrics log as the log grows: feed it the bytes appended since the
/// last call and read the snapshot.
///
/// Pure (no I/O), so a log written in arbitrary pieces can be replayed in tests. Only complete
/// lines are taken: a line still being written stays unread (`offset` stops before it) until
/// its newline arrives. Malformed lines are skipped and counted.
public struct MetricsLogRun: Sendable {
    /// Bytes of the file taken so far: the next read starts here.
    public private(set) var offset = 0
    /// Lines that were neither header, record nor end.
    public private(set) var malformedLines = 0
    private var run: RunSnapshot

    /// A run with no lines yet, named after its file until the header says otherwise.
    public init(id: Int, fileName: String) {
        let name = fileName.hasSuffix(MetricsLog.suffix) ? String(fileName.dropLast(MetricsLog.suffix.count)) : fileName
        run = RunSnapshot(id: id, name: name, optimizer: nil, model: "?", totalSteps: 0, parameterCount: 0)
    }

    /// The run as the log describes it, with a note on skipped lines.
    public var snapshot: RunSnapshot {
        guard malformedLines > 0 else { return run }
        var shown = run
        let note = "\(malformedLines) malformed log line\(malformedLines == 1 ? "" : "s") skipped"
        shown.message = run.message.map { "\($0); \(note)" } ?? note
        return shown
    }

    /// The run as the log describes it after `seconds` without a new line: a run that has not
    /// ended but whose log has been quiet for `MetricsLogRun.quietLimit` or more is flagged, since
    /// its process may have been killed before it could write its final line.
    public func snapshot(quietFor seconds: Double) -> RunSnapshot {
        var shown = snapshot
        guard !shown.status.isTerminal, seconds >= Self.quietLimit else { return shown }
        // The limit, not the silence, goes in the note: it is published once, when the run goes quiet.
        let note = "no new record for over \(Int(Self.quietLimit / 60)) min: stopped elsewhere?"
        shown.message = shown.message.map { "\($0); \(note)" } ?? note
        return shown
    }

    /// Seconds of silence after which an unfinished run is flagged.
    public static let quietLimit = 120.0

    /// Takes the complete lines at the start of `bytes` (the file's content from `offset` on);
    /// true when any line was taken.
    @discardableResult
    public mutating func consume(_ bytes: Data) -> Bool {
        guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return false }
        let complete = bytes[bytes.startIndex...lastNewline]
        offset += complete.count
        for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let parsed = MetricsLogLine(json: Substring(trimmed)) else {
                malformedLines += 1
                continue
            }
            apply(parsed)
        }
        return true
    }

    /// Skips `count` bytes of an overlong line, counting it as malformed.
    public mutating func skip(_ count: Int) {
        offset += count
        malformedLines += 1
    }

    private mutating func apply(_ line: MetricsLogLine) {
        switch line {
        case .header(let header):
            run.name = header.run
            run.optimizer = header.optimizer
            run.spec = header.spec
            run.model = header.model
            run.totalSteps = header.totalSteps
            run.parameterCount = header.parameterCount
            run.qat = header.qat
            run.status = .starting
        case .record(let log):
            run.status = .running
            run.step = log.step
            run.tokens = log.tokens
            run.elapsed = log.elapsed
            run.learningRate = log.learningRate
            if let loss = log.loss {
                // The initial evaluation's record has no training step: its zeros are not data.
                run.trainLoss = loss
                run.gradNorm = log.gradNorm
                run.tokensPerSecond = log.tokensPerSecond
                run.trainHistory.append(step: log.step, tokens: log.tokens, time: log.elapsed, value: loss)
            }
            if let val = log.valLoss {
                run.valLoss = val
                run.valHistory.append(step: log.step, tokens: log.tokens, time: log.elapsed, value: val)
            }
        case .probe(let report):
            run.record(report)
        case .optimizerState(let bytes):
            run.optimizerStateBytes = bytes
        case .end(let end):
            run.status = end.status
            run.step = end.step
            run.message = end.message
        }
    }
}
