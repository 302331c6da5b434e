import Core

/// The run table's order: a column and a direction.
///
/// Each column sorts its natural way first (losses lowest first, progress and throughput
/// highest first); `reversed` flips it. Runs without a value go last, and ties keep id order, so the
/// selection never jumps between equal rows.
public struct RunSort: Equatable, Sendable {
    public var key: RunSortKey
    public var reversed: Bool

    public init(key: RunSortKey = .id, reversed: Bool = false) {
        self.key = key
        self.reversed = reversed
    }

    /// `runs` in table order.
    public func order(_ runs: [RunSnapshot]) -> [RunSnapshot] {
        runs.sorted { a, b in
            switch (value(a), value(b)) {
            case let (x?, y?) where x != y: return (x < y) != reversed
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.id < b.id
            }
        }
    }

    /// The sort value, negated where the natural order is highest first.
    private func value(_ run: RunSnapshot) -> SortValue? {
        switch key {
        case .id: return .number(Double(run.id))
        case .valLoss: return run.valLoss.flatMap { $0.isNaN ? nil : .number($0) }
        case .loss: return run.trainLoss.flatMap { $0.isNaN ? nil : .number($0) }
        case .tokensPerSecond: return .number(-run.tokensPerSecond)
        case .step: return .number(-Double(run.step))
        case .optimizer: return .text(run.optimizer?.rawValue ?? run.name)
        }
    }

    private enum SortValue: Comparable {
        case number(Double)
        case text(String)
    }
}
