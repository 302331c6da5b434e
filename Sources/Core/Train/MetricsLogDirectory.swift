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

    /// Bytes read from one log per pass: a log that grew by more is caught up over several.
    static let readLimit = 4 << 20

    /// One pass: finds new logs, reads what each has gained, publishes the runs that changed.
    /// Only regular files directly in the directory are read (a FIFO would block, a symlink
    /// could lead anywhere); a file that cannot be read this time is tried again next pass.
    public func poll() {
        let names = Self.logNames(in: path)
        for name in names {
            var run = runs[name] ?? MetricsLogRun(id: runs.count, fileName: name)
            let isNew = runs[name] == nil
            let file = (path as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if Int(info.st_size) < run.offset {
                run = MetricsLogRun(id: run.snapshot.id, fileName: name)
            }
            let available = min(Int(info.st_size) - run.offset, Self.readLimit)
            guard let bytes = Self.read(file, from: run.offset, count: available) else { continue }
            var changed = run.consume(bytes)
            if !changed && bytes.count == Self.readLimit {
                // A line longer than a whole read is no record: skip past it.
                run.skip(bytes.count)
                changed = true
            }
            runs[name] = run
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))
            let silence = Date().timeIntervalSince(modified)
            let isQuiet = silence >= MetricsLogRun.quietLimit && !run.snapshot.status.isTerminal
            if changed || isNew || isQuiet != quiet.contains(name) {
                board.publish(run.snapshot(quietFor: silence))
                if isQuiet { quiet.insert(name) } else { quiet.remove(name) }
            }
        }
    }
}

extension MetricsLogDirectory {
    /// The logs in `path` and one level down (a study keeps each run's in `runs/<id>/`), as
    /// paths relative to `path`, sorted.
    static func logNames(in path: String) -> [String] {
        let manager = FileManager.default
        let entries = (try? manager.contentsOfDirectory(atPath: path)) ?? []
        var names = entries.filter { $0.hasSuffix(MetricsLog.suffix) }
        for entry in entries where !entry.hasSuffix(MetricsLog.suffix) {
            var isDirectory: ObjCBool = false
            let sub = (path as NSString).appendingPathComponent(entry)
            guard manager.fileExists(atPath: sub, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            names += ((try? manager.contentsOfDirectory(atPath: sub)) ?? [])
                .filter { $0.hasSuffix(MetricsLog.suffix) }.map { "\(entry)/\($0)" }
        }
        return names.sorted()
    }

    /// `count` bytes of `file` from `offset`, opened without following a symlink or blocking.
    static func read(_ file: String, from offset: Int, count: Int) -> Data? {
        guard count >= 0 else { return nil }
        let descriptor = open(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            filled += got
        }
        return Data(buffer[0..<filled])
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
