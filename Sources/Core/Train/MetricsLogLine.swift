import Foundation

/// One line of a metrics log (`MetricsLog`), decoded.
public enum MetricsLogLine: Equatable, Sendable {
    case header(MetricsLogHeader)
    case record(TrainLog)
    /// What the run's probe measured (per-layer statistics, error propagation, PTQ losses).
    case probe(ProbeReport)
    /// Bytes of optimizer state.
    case optimizerState(bytes: Int)
    /// How the run ended.
    case end(RunEnd)

    /// Parses one line; nil when it is not JSON or not one of the record shapes.
    public init?(json line: Substring) {
        let data = Data(line.utf8)
        let decoder = MetricsLog.decoder()
        guard let keys = try? decoder.decode(KeySet.self, from: data).keys else { return nil }
        if keys == ["state_bytes"] {
            guard let line = try? decoder.decode(StateBytesLine.self, from: data) else { return nil }
            self = .optimizerState(bytes: line.stateBytes)
        } else if keys.contains("probe") {
            guard let line = try? decoder.decode(ProbeLine.self, from: data) else { return nil }
            self = .probe(line.probe)
        } else if keys.contains("run") {
            guard let header = try? decoder.decode(MetricsLogHeader.self, from: data) else { return nil }
            self = .header(header)
        } else if keys.contains("final") {
            guard let end = try? decoder.decode(RunEnd.self, from: data) else { return nil }
            self = .end(end)
        } else {
            guard let record = try? decoder.decode(TrainLog.self, from: data) else { return nil }
            self = .record(record)
        }
    }

    /// The line as the log stores it (without its newline).
    public var json: String {
        switch self {
        case .header(let header): return MetricsLog.line(header)
        case .record(let record): return MetricsLog.line(record)
        case .probe(let report): return MetricsLog.line(ProbeLine(probe: report))
        case .optimizerState(let bytes): return MetricsLog.line(StateBytesLine(stateBytes: bytes))
        case .end(let end): return MetricsLog.line(end)
        }
    }
}

/// The keys of a JSON object, to tell the record shapes apart before decoding one.
private struct KeySet: Decodable {
    let keys: Set<String>

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        keys = Set(try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue))
    }
}
