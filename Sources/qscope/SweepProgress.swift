import Foundation
import Synchronization

/// A one-line progress bar with an ETA on stderr, fed from trainer threads.
final class SweepProgress: Sendable {
    private let total: Int
    private let enabled: Bool
    private let steps = Mutex<[Int: Int]>([:])
    private let started = Date()

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func advance(run: Int, to step: Int) {
        steps.withLock { $0[run] = step }
    }

    func draw() {
        guard enabled else { return }
        let done = steps.withLock { $0.values.reduce(0, +) }
        let fraction = Double(done) / Double(Swift.max(total, 1))
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        FileHandle.standardError.write(Data(String(format: "\r[%@] %3.0f%%  eta %4.0fs ", bar, fraction * 100, eta).utf8))
    }

    func finish() {
        guard enabled else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
