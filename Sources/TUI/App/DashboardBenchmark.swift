import Core
import Foundation

/// Times whole dashboard frames: how long the UI thread spends drawing one.
public enum DashboardBenchmark {
    public struct Result: Sendable {
        public var size: Size
        public var runs: Int
        /// Points logged per run (train), before the bounded history merges them.
        public var loggedPoints: Int
        /// Points each train history keeps.
        public var keptPoints: Int
        public var frames: Int
        public var medianMilliseconds: Double
        public var meanMilliseconds: Double
    }

    /// Renders the Training view of `runs` runs, each having logged `points` training losses
    /// (and a validation loss every 50), `frames` times at `size`, smoothing on.
    public static func run(runs: Int = 6, points: Int = 100_000, size: Size = Size(width: 200, height: 60),
                           frames: Int = 200) -> Result {
        let snapshots = (0..<runs).map { syntheticRun(id: $0, points: points) }
        let view = DashboardView(glyphs: .braille, colorMode: .truecolor)
        let state = DashboardState(selectedRun: runs / 2)
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<max(frames, 1) {
            var frame: CellBuffer?
            let elapsed = clock.measure { frame = view.render(snapshots: snapshots, size: size, state: state) }
            precondition(frame?.size == size)
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
        }
        times.sort()
        return Result(size: size, runs: runs, loggedPoints: points,
                      keptPoints: snapshots.first?.trainHistory.count ?? 0, frames: times.count,
                      medianMilliseconds: times[times.count / 2],
                      meanMilliseconds: times.reduce(0, +) / Double(times.count))
    }

    /// A run with a noisy, decaying loss, deterministic for a given id.
    static func syntheticRun(id: Int, points: Int) -> RunSnapshot {
        let optimizer = OptimizerKind.allCases[id % OptimizerKind.allCases.count]
        var run = RunSnapshot(id: id, name: "run\(id)/s", optimizer: optimizer, model: "s", totalSteps: points,
                              parameterCount: 922_920)
        var state = UInt64(id + 1) &* 0x9E37_79B9_7F4A_7C15
        for step in 1...max(points, 1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Double(state >> 11) / Double(1 << 53) - 0.5
            let loss = 3.5 * exp(-Double(step) / Double(2_000 + 500 * id)) + 1.5 + 0.1 * Double(id) + 0.2 * noise
            run.trainHistory.append(step: step, tokens: step * 2048, time: Double(step) * 0.01, value: loss)
            if step % 50 == 0 {
                run.valHistory.append(step: step, tokens: step * 2048, time: Double(step) * 0.01, value: loss + 0.1)
            }
        }
        run.status = .running
        run.step = points
        run.trainLoss = run.trainHistory.last?.value
        run.valLoss = run.valHistory.last?.value
        return run
    }
}
