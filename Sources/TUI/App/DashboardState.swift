import Core

/// What the dashboard shows besides the runs' data: the view, selections, chart settings,
/// overlays, prompts, the pause request and notices.
///
/// A value with a pure `apply`, so key handling is tested by feeding actions, without a
/// terminal or trainers; side effects on the runs come back as `DashboardEffect`s.
public struct DashboardState: Equatable, Sendable {
    public var page: DashboardPage
    /// The views this dashboard has, in tab order (the Study view only while following a study).
    public var pages: [DashboardPage] = DashboardPage.standard
    /// The `?` overlay, over any view.
    public var showHelp: Bool
    /// True while the user has paused every run (the trainers confirm by publishing `.paused`).
    public var pauseRequested: Bool
    /// A one-line message for the status line, e.g. why the theme fell back to the default;
    /// the next key clears it.
    public var notice: String?
    public var quitRequested: Bool

    /// The selected run: an index into the runs sorted by id (clamped when drawn).
    public var selectedRun: Int
    /// The selected layer or module row of the Layers and Propagation views.
    public var selectedRow: Int
    /// The selected metric column of the Layers view.
    public var selectedMetric: Int
    /// Layers and Propagation show every run side by side, rather than the selected one.
    public var sideBySide: Bool
    /// Print values in heatmap cells.
    public var showValues: Bool

    public var chart: ChartSettings
    public var sort: RunSort
    /// A question on the status line waiting for y or n.
    public var confirm: ConfirmRequest?
    /// The new-run form, while open.
    public var form: RunForm?
    /// Advances while a run is busy, to animate its spinner.
    public var animationFrame: Int
    /// The Quantize view's plans and settings.
    public var quantize = QuantizeState()

    public init(page: DashboardPage = .training, showHelp: Bool = false, pauseRequested: Bool = false,
                notice: String? = nil, quitRequested: Bool = false, selectedRun: Int = 0, selectedRow: Int = 0,
                selectedMetric: Int = 0, sideBySide: Bool = false, showValues: Bool = true,
                chart: ChartSettings = ChartSettings(), sort: RunSort = RunSort(), confirm: ConfirmRequest? = nil,
                form: RunForm? = nil, animationFrame: Int = 0) {
        self.page = page
        self.showHelp = showHelp
        self.pauseRequested = pauseRequested
        self.notice = notice
        self.quitRequested = quitRequested
        self.selectedRun = selectedRun
        self.selectedRow = selectedRow
        self.selectedMetric = selectedMetric
        self.sideBySide = sideBySide
        self.showValues = showValues
        self.chart = chart
        self.sort = sort
        self.confirm = confirm
        self.form = form
        self.animationFrame = animationFrame
    }

    /// The selected run among `runs` (sorted by id), the last one if the index is past the end.
    public func selectedRun(in runs: [RunSnapshot]) -> RunSnapshot? {
        runs.isEmpty ? nil : runs[min(max(selectedRun, 0), runs.count - 1)]
    }

    /// Applies `action`, returning what must happen to the runs as a result. `context` is
    /// what is on screen: the runs and the size of the current view's table.
    public mutating func apply(_ action: DashboardAction, context: DashboardContext = .empty) -> DashboardEffect? {
        notice = nil
        switch action {
        case .togglePause:
            pauseRequested.toggle()
            return pauseRequested ? .pauseAll : .resumeAll
        case .cycleTheme:
            return .cycleTheme
        case .toggleHelp:
            showHelp.toggle()
        case .closeOverlay:
            showHelp = false
        case .quit:
            quitRequested = true
        case .showPage(let target):
            if pages.contains(target) { page = target }
        case .nextPage:
            page = page.cycled(by: 1, among: pages)
        case .previousPage:
            page = page.cycled(by: -1, among: pages)
        case .selectNextRun:
            moveRunSelection(by: 1, context: context)
        case .selectPreviousRun:
            moveRunSelection(by: -1, context: context)
        case .selectRun(let id):
            if let index = context.runs.firstIndex(where: { $0.id == id }) { selectedRun = index }
        case .selectRow(let row):
            selectedRow = Self.step(row, by: 0, count: context.rowCount)
        case .selectNextRow, .selectPreviousRow:
            selectedRow = Self.step(selectedRow, by: action == .selectNextRow ? 1 : -1, count: context.rowCount)
        case .selectNextMetric, .selectPreviousMetric:
            selectedMetric = Self.step(selectedMetric, by: action == .selectNextMetric ? 1 : -1,
                                       count: context.metricCount)
        case .toggleSideBySide:
            sideBySide.toggle()
        case .toggleShowValues:
            showValues.toggle()
        case .toggleSmoothing:
            chart.smoothingEnabled.toggle()
        case .smoothMore:
            chart.stepSmoothing(1)
        case .smoothLess:
            chart.stepSmoothing(-1)
        case .toggleLogY:
            chart.logY.toggle()
        case .cycleXAxis:
            let axes = XAxis.allCases
            chart.xAxis = axes[(axes.firstIndex(of: chart.xAxis)! + 1) % axes.count]
        case .zoomIn:
            chart.zoom(by: 0.5)
        case .zoomOut:
            chart.zoom(by: 2)
        case .panLeft:
            chart.pan(-1)
        case .panRight:
            chart.pan(1)
        case .resetZoom:
            chart.resetZoom()
        case .cycleSort:
            let keys = RunSortKey.allCases
            sort = RunSort(key: keys[(keys.firstIndex(of: sort.key)! + 1) % keys.count])
        case .reverseSort:
            sort.reversed.toggle()
        case .togglePauseRun, .stopRun, .restartRun, .measureRun, .confirmYes, .confirmNo:
            return applyRunControl(action, context: context)
        case .measureAll:
            let live = context.runs.filter { !$0.status.isTerminal }.map(\.id)
            notice = live.isEmpty ? "no run is training" : "measuring \(live.count) runs at their next step"
            return live.isEmpty ? nil : .measureAll(runIDs: live)
        case .export:
            return .export(page)
        case .openForm, .formNextField, .formPreviousField, .formNextValue, .formPreviousValue, .formType,
             .formDeleteBackward, .formSubmit, .formCancel:
            return applyForm(action, context: context)
        case .quantize(let key):
            return applyQuantize(key, context: context)
        }
        return nil
    }

    /// `value` moved by `offset` within `0..<count` (unbounded above while `count` is unknown, 0).
    private static func step(_ value: Int, by offset: Int, count: Int) -> Int {
        let moved = value + offset
        return count > 0 ? min(max(moved, 0), count - 1) : max(moved, 0)
    }

    /// Moves the selection through the runs in the order the user sees them: the table's
    /// order in the Training view, id order elsewhere.
    private mutating func moveRunSelection(by offset: Int, context: DashboardContext) {
        guard let current = selectedRun(in: context.runs) else { return }
        let order = page == .training ? sort.order(context.runs).map(\.id) : context.runs.map(\.id)
        let position = order.firstIndex(of: current.id)!
        let target = order[min(max(position + offset, 0), order.count - 1)]
        selectedRun = context.runs.firstIndex { $0.id == target }!
    }
}

/// What is on screen when a key is pressed: the state's actions need it to resolve "the
/// selected run" and to keep selections inside the current table.
public struct DashboardContext: Sendable {
    /// Every run, sorted by id.
    public var runs: [RunSnapshot]
    /// Rows of the current view's layer/module table (0 when unknown).
    public var rowCount: Int
    /// Metric columns of the current view (0 when unknown).
    public var metricCount: Int

    public init(runs: [RunSnapshot], rowCount: Int = 0, metricCount: Int = 0) {
        self.runs = runs
        self.rowCount = rowCount
        self.metricCount = metricCount
    }

    public static let empty = DashboardContext(runs: [])
}

/// A command for the trainers (or the dashboard itself) that a key press caused.
public enum DashboardEffect: Equatable, Sendable {
    case pauseAll
    case resumeAll
    case togglePause(runID: Int)
    case stop(runID: Int)
    case restart(runID: Int)
    case measure(runID: Int)
    case measureAll(runIDs: [Int])
    case start(RunOverrides)
    case export(DashboardPage)
    /// Allocate `bits` average bits over run `runID`'s layers by `method` (the Quantize view's `a`).
    case allocatePlan(runID: Int, bits: Double, method: QuantMethod)
    /// Write run `runID`'s plan as a TOML file (the Quantize view's `w`).
    case writePlan(runID: Int, plan: ResolvedQuantization)
    /// Switch to the next theme (the Dashboard loads it and rebuilds its palette).
    case cycleTheme
}
