import Foundation
import Testing

/// Compares `actual` with `Snapshots/<name>.txt` next to this file, in the manner of
/// swift-argument-parser's snapshot helper.
///
/// When the file is missing or `RECORD_SNAPSHOTS=1` is set it writes the file and fails with
/// "recorded new snapshot", so a forgotten re-record never passes silently; otherwise a
/// mismatch fails with a line diff.
func assertSnapshot(_ actual: String, named name: String, filePath: String = #filePath,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    let directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent("\(name).txt")
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
    guard !record, let expected = try? String(contentsOf: file, encoding: .utf8) else {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("recorded new snapshot \(file.path); review it and run the tests again",
                         sourceLocation: sourceLocation)
        } catch {
            Issue.record("cannot record snapshot \(file.path): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    let normalizedExpected = expected.replacingOccurrences(of: "\r\n", with: "\n")
    guard normalizedExpected != actual else { return }
    Issue.record("""
        snapshot \(name) differs (- expected, + actual; RECORD_SNAPSHOTS=1 re-records):
        \(lineDiff(expected: normalizedExpected, actual: actual))
        """, sourceLocation: sourceLocation)
}

/// The changed lines between two texts, each prefixed with its line number.
func lineDiff(expected: String, actual: String) -> String {
    let old = expected.components(separatedBy: "\n"), new = actual.components(separatedBy: "\n")
    var lines: [(Int, String)] = []
    for change in new.difference(from: old) {
        switch change {
        case let .remove(offset, line, _): lines.append((offset, "-\(offset + 1): \(line)"))
        case let .insert(offset, line, _): lines.append((offset, "+\(offset + 1): \(line)"))
        }
    }
    return lines.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n")
}
