/// The dashboard's views, in tab order; the number key of each is its position.
public enum DashboardPage: Int, CaseIterable, Equatable, Sendable {
    case training = 1
    case layers
    case propagation
    case compare
    case help

    /// The tab label, and the view's name in export file names (lowercased).
    public var title: String {
        switch self {
        case .training: return "Training"
        case .layers: return "Layers"
        case .propagation: return "Propagation"
        case .compare: return "Compare"
        case .help: return "Help"
        }
    }

    /// The next view in tab order, wrapping around (`by: -1` for the previous one).
    func cycled(by offset: Int) -> DashboardPage {
        let count = Self.allCases.count
        let index = ((rawValue - 1 + offset) % count + count) % count
        return Self.allCases[index]
    }
}

/// What the Training chart's x axis measures.
public enum XAxis: String, CaseIterable, Equatable, Sendable {
    case step
    case tokens
    /// Seconds of training (pauses excluded).
    case time
}

/// The column the run table is sorted by.
public enum RunSortKey: String, CaseIterable, Equatable, Sendable {
    case id
    case valLoss = "val"
    case loss
    case tokensPerSecond = "tok/s"
    case step
    case optimizer
}
