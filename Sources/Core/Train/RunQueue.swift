/// Runs sessions at most `parallel` at a time, in order, until all have ended or an interrupt
/// stops them: the one scheduling loop of headless training, sweeps and studies.
public struct RunQueue {
    /// Runs trained at once (at least 1).
    public let parallel: Int

    public init(parallel: Int) {
        self.parallel = max(1, parallel)
    }

    /// Starts `count` runs through `start(index)` as slots free up, and returns each one's
    /// session (nil for a run never started because of an interrupt). `interrupted` is polled
    /// about 20 times a second; once it is true, running sessions are asked to stop (they save)
    /// and no new one starts. `ended(index, session)` runs on the calling thread as each run
    /// ends; `tick` between polls.
    @discardableResult
    public func run(count: Int, start: (Int) throws -> RunSession, interrupted: () -> Bool = { false },
                    ended: (Int, RunSession) throws -> Void = { _, _ in }, tick: () -> Void = {}) throws -> [RunSession?] {
        var sessions = [RunSession?](repeating: nil, count: count)
        var running: [Int] = [], next = 0, stopping = false
        while true {
            if interrupted() && !stopping {
                stopping = true
                running.forEach { sessions[$0]?.requestStop() }
            }
            if !stopping && running.count < parallel && next < count {
                sessions[next] = try start(next)
                running.append(next)
                next += 1
                continue
            }
            if running.isEmpty { break }
            _ = sessions[running[0]]?.wait(seconds: 0.05)
            for index in running where sessions[index]?.outcome != nil {
                running.removeAll { $0 == index }
                try ended(index, sessions[index]!)
            }
            tick()
        }
        return sessions
    }
}
