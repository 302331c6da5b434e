/// One logged point of a metric: where it was logged (step, tokens, wall time) and its value.
///
/// A point may stand for several merged raw points; then `min`/`max` bound them and `value` is
/// their mean.
public struct MetricPoint: Sendable, Equatable {
    /// Optimizer step at which the point was logged (the last merged step for a bucket).
    public var step: Int
    /// Training tokens seen at that step.
    public var tokens: Int
    /// Seconds since the run started.
    public var time: Double
    /// The value (mean of the merged points).
    public var value: Double
    public var min: Double
    public var max: Double
    /// How many raw points were merged into this one.
    public var weight: Int

    public init(step: Int, tokens: Int, time: Double, value: Double) {
        self.step = step
        self.tokens = tokens
        self.time = time
        self.value = value
        self.min = value
        self.max = value
        self.weight = 1
    }
}

/// A bounded history of a metric: recent points at full resolution, older ones merged.
///
/// Invariant: `points.count <= capacity`. When the series is full, the older half is merged
/// pairwise into buckets that keep min, mean and max, so a million-step run costs the same memory
/// as a short one while the newest points stay exact.
public struct MetricSeries: Sendable, Equatable {
    public private(set) var points: [MetricPoint] = []
    public let capacity: Int

    public init(capacity: Int = 4096) {
        precondition(capacity >= 4, "a series needs room for at least 4 points")
        self.capacity = capacity
        points.reserveCapacity(capacity)
    }

    public var last: MetricPoint? { points.last }
    public var isEmpty: Bool { points.isEmpty }
    public var count: Int { points.count }

    /// The smallest value ever appended (merging keeps it, through the buckets' `min`).
    public var best: Double? { points.lazy.map(\.min).min() }

    public mutating func append(step: Int, tokens: Int, time: Double, value: Double) {
        if points.count == capacity { compactOlderHalf() }
        points.append(MetricPoint(step: step, tokens: tokens, time: time, value: value))
    }

    private mutating func compactOlderHalf() {
        let half = capacity / 2
        var merged: [MetricPoint] = []
        merged.reserveCapacity(capacity)
        var i = 0
        while i + 1 < half {
            merged.append(Self.merge(points[i], points[i + 1]))
            i += 2
        }
        merged.append(contentsOf: points[i...])
        points = merged
    }

    private static func merge(_ a: MetricPoint, _ b: MetricPoint) -> MetricPoint {
        var m = b
        let w = a.weight + b.weight
        m.value = (a.value * Double(a.weight) + b.value * Double(b.weight)) / Double(w)
        m.min = Swift.min(a.min, b.min)
        m.max = Swift.max(a.max, b.max)
        m.weight = w
        return m
    }
}
