import Core
import Testing
@testable import TUI

/// Every action of the state, fed one at a time: the state is pure, so no terminal or trainer
/// is needed.
@Suite("Dashboard state")
struct DashboardStateTests {
    static let context = DashboardContext(runs: Fixtures.six)

    @Test func numberKeysTabAndShiftTabSwitchViews() {
        var state = DashboardState()
        for page in DashboardPage.standard {
            #expect(state.apply(.showPage(page)) == nil)
            #expect(state.page == page)
        }
        _ = state.apply(.nextPage)
        #expect(state.page == .training)  // wraps from Help to Training
        _ = state.apply(.previousPage)
        #expect(state.page == .help)
        _ = state.apply(.previousPage)
        #expect(state.page == .quantize)
    }

    /// In the Training view j/k walk the table's order (here by val loss), not id order.
    @Test func runSelectionFollowsTheTableOrder() {
        var state = DashboardState(sort: RunSort(key: .valLoss))
        let order = RunSort(key: .valLoss).order(Fixtures.six).map(\.id)
        state.selectedRun = Fixtures.six.firstIndex { $0.id == order[0] }!
        _ = state.apply(.selectNextRun, context: Self.context)
        #expect(Fixtures.six[state.selectedRun].id == order[1])
        _ = state.apply(.selectPreviousRun, context: Self.context)
        _ = state.apply(.selectPreviousRun, context: Self.context)
        #expect(Fixtures.six[state.selectedRun].id == order[0])  // clamped at the top
    }

    @Test func otherViewsSelectRunsInIdOrder() {
        var state = DashboardState(page: .layers, selectedRun: 0, sort: RunSort(key: .valLoss))
        _ = state.apply(.selectNextRun, context: Self.context)
        #expect(state.selectedRun == 1)
        for _ in 0..<10 { _ = state.apply(.selectNextRun, context: Self.context) }
        #expect(state.selectedRun == 5)
        _ = state.apply(.selectNextRun, context: .empty)
        #expect(state.selectedRun == 5)  // nothing to select: unchanged
    }

    @Test func rowAndMetricSelectionsStayInsideTheTable() {
        var state = DashboardState(page: .layers)
        let context = DashboardContext(runs: Fixtures.six, rowCount: 3, metricCount: 2)
        for _ in 0..<5 { _ = state.apply(.selectNextRow, context: context) }
        #expect(state.selectedRow == 2)
        _ = state.apply(.selectPreviousRow, context: context)
        #expect(state.selectedRow == 1)
        _ = state.apply(.selectNextMetric, context: context)
        _ = state.apply(.selectNextMetric, context: context)
        #expect(state.selectedMetric == 1)
        for _ in 0..<3 { _ = state.apply(.selectPreviousMetric, context: context) }
        #expect(state.selectedMetric == 0)
    }

    @Test func togglesFlipAndFlipBack() {
        var state = DashboardState()
        let toggles: [(DashboardAction, (DashboardState) -> Bool)] = [
            (.toggleSideBySide, \.sideBySide), (.toggleShowValues, \.showValues),
            (.toggleSmoothing, \.chart.smoothingEnabled), (.toggleLogY, \.chart.logY), (.toggleHelp, \.showHelp),
        ]
        for (action, value) in toggles {
            let before = value(state)
            _ = state.apply(action)
            #expect(value(state) != before)
            _ = state.apply(action)
            #expect(value(state) == before)
        }
    }

    @Test func smoothingStepsByTenthsAndTurnsSmoothingOn() {
        var state = DashboardState(chart: ChartSettings(smoothingEnabled: false))
        _ = state.apply(.smoothMore)
        #expect(state.chart.smoothing == 0.7 && state.chart.smoothingEnabled)
        for _ in 0..<10 { _ = state.apply(.smoothMore) }
        #expect(state.chart.smoothing == 0.99)
        for _ in 0..<20 { _ = state.apply(.smoothLess) }
        #expect(state.chart.smoothing == 0)
        #expect(state.chart.effectiveSmoothing == 0)
        _ = state.apply(.toggleSmoothing)
        #expect(state.chart.effectiveSmoothing == 0)
    }

    @Test func xAxisCycles() {
        var state = DashboardState()
        var seen: [XAxis] = []
        for _ in 0..<3 {
            _ = state.apply(.cycleXAxis)
            seen.append(state.chart.xAxis)
        }
        #expect(seen == [.tokens, .time, .step])
    }

    @Test func zoomHalvesThePanMovesAQuarterAndResetShowsAll() {
        var state = DashboardState()
        _ = state.apply(.zoomIn)
        #expect(state.chart.window == 0.25...0.75)
        _ = state.apply(.panRight)
        #expect(state.chart.window == 0.375...0.875)
        _ = state.apply(.panRight)
        _ = state.apply(.panRight)
        #expect(state.chart.window == 0.5...1)  // clamped at the right edge
        _ = state.apply(.zoomOut)
        #expect(state.chart.window == 0...1)
        _ = state.apply(.zoomIn)
        _ = state.apply(.panLeft)
        _ = state.apply(.panLeft)
        _ = state.apply(.panLeft)
        #expect(state.chart.window == 0...0.5)
        for _ in 0..<20 { _ = state.apply(.zoomIn) }
        #expect(state.chart.window.upperBound - state.chart.window.lowerBound == ChartSettings.minimumWindow)
        _ = state.apply(.resetZoom)
        #expect(state.chart.window == 0...1 && state.chart.zoom == 1)
    }

    @Test func sortCyclesColumnsAndReverses() {
        var state = DashboardState()
        var keys: [RunSortKey] = []
        for _ in RunSortKey.allCases {
            _ = state.apply(.cycleSort)
            keys.append(state.sort.key)
        }
        #expect(keys == [.valLoss, .loss, .tokensPerSecond, .step, .optimizer, .id])
        _ = state.apply(.reverseSort)
        #expect(state.sort == RunSort(key: .id, reversed: true))
        _ = state.apply(.cycleSort)
        #expect(state.sort == RunSort(key: .valLoss))  // a new column starts in its natural order
    }

    @Test func sortOrders() {
        let ids = { (sort: RunSort) in sort.order(Fixtures.six).map(\.id) }
        #expect(ids(RunSort(key: .id)) == [0, 1, 2, 3, 4, 5])
        #expect(ids(RunSort(key: .id, reversed: true)) == [5, 4, 3, 2, 1, 0])
        #expect(ids(RunSort(key: .tokensPerSecond)) == [5, 4, 3, 2, 1, 0])  // fastest first
        #expect(ids(RunSort(key: .step)) == [0, 1, 3, 2, 4, 5])  // furthest first, ties by id
        #expect(ids(RunSort(key: .optimizer)) == [0, 1, 5, 4, 2, 3])
        let byVal = RunSort(key: .valLoss).order(Fixtures.six).compactMap(\.valLoss)
        #expect(byVal == byVal.sorted())
    }

    @Test func pauseOneRunOrAll() {
        var state = DashboardState(selectedRun: 1)
        #expect(state.apply(.togglePauseRun, context: Self.context) == .togglePause(runID: 1))
        #expect(state.apply(.togglePause, context: Self.context) == .pauseAll)
        #expect(state.apply(.togglePause, context: Self.context) == .resumeAll)
        state.selectedRun = 5  // finished
        #expect(state.apply(.togglePauseRun, context: Self.context) == nil)
        #expect(state.notice == "psgd/tiny has finished")
        #expect(state.apply(.togglePauseRun) == nil)
        #expect(state.notice == "no run selected")
    }

    @Test func stopAsksFirst() {
        var state = DashboardState(selectedRun: 2)
        #expect(state.apply(.stopRun, context: Self.context) == nil)
        #expect(state.confirm == .stop(runID: 2, name: "shampoo/tiny"))
        #expect(state.confirm?.prompt == "stop shampoo/tiny? y/n")
        #expect(state.apply(.confirmNo, context: Self.context) == nil)
        #expect(state.confirm == nil)
        _ = state.apply(.stopRun, context: Self.context)
        #expect(state.apply(.confirmYes, context: Self.context) == .stop(runID: 2))
        #expect(state.confirm == nil)
        #expect(state.apply(.confirmYes, context: Self.context) == nil)  // nothing left to confirm
        state.selectedRun = 5
        #expect(state.apply(.stopRun, context: Self.context) == nil)
        #expect(state.confirm == nil && state.notice == "psgd/tiny has already finished")
    }

    @Test func restartAsksFirstEvenForFinishedRuns() {
        var state = DashboardState(selectedRun: 5)
        _ = state.apply(.restartRun, context: Self.context)
        #expect(state.confirm?.prompt == "restart psgd/tiny from step 0? y/n")
        #expect(state.apply(.confirmYes, context: Self.context) == .restart(runID: 5))
    }

    @Test func measureAndExport() {
        var state = DashboardState(page: .layers, selectedRun: 3)
        #expect(state.apply(.measureRun, context: Self.context) == .measure(runID: 3))
        #expect(state.notice == "measuring soap/tiny at its next step")
        #expect(state.apply(.export, context: Self.context) == .export(.layers))
        #expect(state.notice == nil)  // the next key clears a notice
    }

    @Test func measureAllAsksEveryRunStillTraining() {
        var runs = Fixtures.six
        for i in runs.indices { runs[i].status = .running }
        runs[2].status = .finished
        var state = DashboardState(page: .compare)
        #expect(state.apply(.measureAll, context: DashboardContext(runs: runs)) == .measureAll(runIDs: [0, 1, 3, 4, 5]))
        #expect(state.notice == "measuring 5 runs at their next step")
        for i in runs.indices { runs[i].status = .stopped }
        #expect(state.apply(.measureAll, context: DashboardContext(runs: runs)) == nil)
        #expect(KeyMap.dashboard.action(for: .character("M"), state: state) == .measureAll)
    }

    @Test func formOpensWithTheSelectedRunAndEdits() {
        var state = DashboardState(selectedRun: 1)
        _ = state.apply(.openForm, context: Self.context)
        #expect(state.form == RunForm(optimizer: .muon, model: "tiny"))
        _ = state.apply(.formNextValue)
        #expect(state.form?.optimizer == .shampoo)
        _ = state.apply(.formPreviousValue)
        _ = state.apply(.formPreviousValue)
        _ = state.apply(.formPreviousValue)
        #expect(state.form?.optimizer == .psgd)  // wraps
        _ = state.apply(.formNextField)
        _ = state.apply(.formNextValue)
        #expect(state.form?.model == "xs")
        _ = state.apply(.formNextField)
        #expect(state.form?.field == .learningRate)
        for character in "3e-3x" { _ = state.apply(.formType(character)) }
        #expect(state.form?.learningRate == "3e-3")  // letters other than e are ignored
        _ = state.apply(.formDeleteBackward)
        #expect(state.form?.learningRate == "3e-")
        _ = state.apply(.formType("4"))
        _ = state.apply(.formNextField)
        _ = state.apply(.formNextValue)
        #expect(state.form?.qat == .quest)
        _ = state.apply(.formNextField)
        _ = state.apply(.formPreviousValue)
        #expect(state.form?.bits == 3)
        _ = state.apply(.formNextField)
        _ = state.apply(.formNextValue)
        #expect(state.form?.precision == .bf16)
        _ = state.apply(.formNextField)
        #expect(state.form?.field == .optimizer)  // wraps
        _ = state.apply(.formPreviousField)
        #expect(state.form?.field == .precision)
        #expect(state.apply(.formSubmit) == .start(.form(.psgd, "xs", lr: 3e-4, qat: .quest, bits: 3, precision: .bf16)))
        #expect(state.form == nil)
    }

    @Test func formRejectsABadRateAndCancels() {
        var state = DashboardState(form: RunForm(learningRate: "1e-", field: .learningRate))
        #expect(state.apply(.formSubmit) == nil)
        #expect(state.notice == "lr must be a positive number (got '1e-')")
        #expect(state.form != nil)
        state.form?.learningRate = ""
        #expect(state.apply(.formSubmit) == .start(.form(.adamw, "tiny")))
        state.form = RunForm()
        #expect(state.apply(.formCancel) == nil)
        #expect(state.form == nil)
        #expect(state.apply(.formType("1")) == nil)  // no form: nothing happens
    }

    @Test func selectedRunIsClamped() {
        #expect(DashboardState(selectedRun: 99).selectedRun(in: Fixtures.six)?.id == 5)
        #expect(DashboardState(selectedRun: -3).selectedRun(in: Fixtures.six)?.id == 0)
        #expect(DashboardState().selectedRun(in: []) == nil)
    }
}
