/// The dashboard's views, in tab order; the number key of each is its position.
public enum DashboardPage: Int, CaseIterable, Equatable, Sendable {
    case training = 1
    case layers
    case propagation
    case compare
    /// A quantization plan for the selected run, edited layer by layer and measured live.
    case quantize
    case help
    /// A study's progress and results; a tab only while a study is followed (`qscope watch DIR`).
    case study

    /// The tab label, and the view's name in export file names (lowercased).
    public var title: String {
        switch self {
        case .training: return "Training"
        case .layers: return "Layers"
        case .propagation: return "Propagation"
        case .compare: return "Compare"
        case .quantize: return "Quantize"
        case .help: return "Help"
        case .study: return "Study"
        }
    }

    /// The tabs of a dashboard without a study.
    public static let standard = allCases.filter { $0 != .study }

    /// The next view among `pages` in tab order, wrapping around (`by: -1` for the previous one).
    func cycled(by offset: Int, among pages: [DashboardPage]) -> DashboardPage {
        guard let position = pages.firstIndex(of: self) else { return pages.first ?? self }
        return pages[((position + offset) % pages.count + pages.count) % pages.count]
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
