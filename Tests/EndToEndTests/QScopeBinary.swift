import Foundation
import Synchronization

/// The release `qscope` binary the end-to-end tests drive, and a way to run it to completion.
enum QScopeBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `QSCOPE_BIN`, else `.build/release/qscope` (built by `make test` before the tests run).
    static let path: String = ProcessInfo.processInfo.environment["QSCOPE_BIN"]
        ?? packageRoot.appendingPathComponent(".build/release/qscope").path

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs qscope with `arguments` in `directory` and waits for it to exit.
    static func run(_ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes drain at once, so a child filling one cannot block on the other.
        let errData = Mutex(Data()), errDone = DispatchSemaphore(value: 0)
        let errDescriptor = err.fileHandleForReading.fileDescriptor
        Thread {
            let data = drain(errDescriptor)
            errData.withLock { $0 = data }
            errDone.signal()
        }.start()
        let outData = drain(out.fileHandleForReading.fileDescriptor)
        errDone.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
    }

    /// Runs `command FILE` on each file text and checks the run fails the way bad input must:
    /// exit 2 and one line on stderr mentioning `expected`. Returns (input, problem) pairs.
    static func badInputFailures(_ command: String, _ cases: [String: String]) throws -> [(String, String)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var failures: [(String, String)] = []
        for (text, expected) in cases {
            let file = dir.appendingPathComponent("case.json").path
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try run([command, file])
            if result.status != 2 || !result.stderr.contains(expected) || result.stderr.split(separator: "\n").count != 1 {
                failures.append((text, "exit \(result.status): \(result.stderr)"))
            }
        }
        return failures
    }
}

/// Everything `descriptor` yields until end of file, retrying reads a signal interrupts
/// (Foundation's `readDataToEndOfFile` traps on EINTR, and the study test's SIGKILLed child
/// sends its parent a SIGCHLD while other tests are reading their pipes).
private func drain(_ descriptor: Int32) -> Data {
    var data = Data()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: chunk[0..<count])
        } else if count < 0 && errno == EINTR {
            continue
        } else {
            return data
        }
    }
}
