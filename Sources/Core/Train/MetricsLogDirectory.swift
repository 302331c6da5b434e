import Foundation
import Synchronization

/// Follows every metrics log in a directory, publishing each as a run on a `RunBoard`.
///
/// Confined to the thread that polls it. Runs are numbered in the order their logs appear
/// (alphabetically within one scan); a log that shrinks was rewritten by a new run and is
/// read again from the start under the same number.
public final class MetricsLogDirectory {
    public let path: String
    private let board: RunBoard
    private var runs: [String: MetricsLogRun] = [:]
    /// The logs whose runs were last published as quiet (see `MetricsLogRun.snapshot(quietFor:)`).
    private var quiet: Set<String> = []

    public init(path: String, board: RunBoard) {
        self.path = path
        self.board = board
    }

    /// One pass: finds new logs, reads what each has gained, publishes the runs that changed.
    /// A directory or file that cannot be read this time is tried again on the next pass.
    public func poll() {
        let fileManager = FileManager.default
        let names = ((try? fileManager.contentsOfDirectory(atPath: path)) ?? [])
            .filter { $0.hasSuffix(MetricsLog.suffix) }.sorted()
        for name in names {
            var run = runs[name] ?? MetricsLogRun(id: runs.count, fileName: name)
            let isNew = runs[name] == nil
            let file = (path as NSString).appendingPathComponent(name)
            guard let handle = FileHandle(forReadingAtPath: file) else { continue }
            defer { try? handle.close() }
            guard let size = try? handle.seekToEnd() else { continue }
            if size < UInt64(run.offset) {
                run = MetricsLogRun(id: run.snapshot.id, fileName: name)
            }
            guard (try? handle.seek(toOffset: UInt64(run.offset))) != nil,
                  let bytes = try? handle.readToEnd() else { continue }
            let changed = run.consume(bytes)
            runs[name] = run
            let modified = (try? fileManager.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? Date()
            let silence = Date().timeIntervalSince(modified)
            let isQuiet = silence >= MetricsLogRun.quietLimit && !run.snapshot.status.isTerminal
            if changed || isNew || isQuiet != quiet.contains(name) {
                board.publish(run.snapshot(quietFor: silence))
                if isQuiet { quiet.insert(name) } else { quiet.remove(name) }
            }
        }
    }
}

/// A thread polling a `MetricsLogDirectory` until stopped.
public final class MetricsLogWatcher: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts polling `directory` into `board` at once and then every `interval` seconds.
    public static func start(directory: String, board: RunBoard, interval: Double = 1) -> MetricsLogWatcher {
        let watcher = MetricsLogWatcher()
        let thread = Thread {
            let logs = MetricsLogDirectory(path: directory, board: board)
            var nextPoll = 0.0
            while !watcher.stopFlag.load(ordering: .relaxed) {
                let now = Date().timeIntervalSinceReferenceDate
                if now >= nextPoll {
                    logs.poll()
                    nextPoll = now + interval
                }
                // Short naps, so stop() returns quickly.
                Thread.sleep(forTimeInterval: min(0.05, interval))
            }
            watcher.done.signal()
        }
        thread.start()
        return watcher
    }

    /// Stops polling and waits for the thread to finish.
    public func stop() {
        stopFlag.store(true, ordering: .relaxed)
        done.wait()
    }
}
