import Core
import Study

extension DashboardView {
    /// The body of `page`: the one place a view's widget is chosen.
    func body(of page: DashboardPage, runs: [RunSnapshot], state: DashboardState,
              study: StudyStatus? = nil, quantize: QuantizeStatus = QuantizeStatus()) -> any ExportableWidget {
        switch page {
        case .training:
            return TrainingPage(runs: runs, state: state, palette: palette, glyphs: glyphs)
        case .layers:
            return LayersPage(runs: runs, selectedRun: state.selectedRun, selectedRow: state.selectedRow,
                              selectedMetric: state.selectedMetric, sideBySide: state.sideBySide,
                              showValues: state.showValues, palette: palette, glyphs: glyphs)
        case .propagation:
            return PropagationPage(runs: runs, selectedRun: state.selectedRun, selectedRow: state.selectedRow,
                                   sideBySide: state.sideBySide, palette: palette, glyphs: glyphs)
        case .compare:
            return ComparePage(runs: runs, selectedRow: state.selectedRow, palette: palette, glyphs: glyphs)
        case .quantize:
            return QuantizePage(runs: runs, selectedRun: state.selectedRun, selectedRow: state.selectedRow,
                                state: state.quantize, status: quantize, animationFrame: state.animationFrame,
                                palette: palette, glyphs: glyphs)
        case .help:
            return HelpOverlay(bindings: keyMap.bindings, notes: [], glyphs: glyphs, palette: palette, fill: true)
        case .study:
            return StudyPage(status: study, palette: palette, glyphs: glyphs)
        }
    }

    /// What the state needs to know about the screen to act on a key: the runs, and the rows
    /// and metric columns of the view's table so selections stay inside it.
    public func context(runs: [RunSnapshot], state: DashboardState) -> DashboardContext {
        switch state.page {
        case .layers:
            return DashboardContext(runs: runs, rowCount: LayersPage.rowCount(runs: runs, selectedRun: state.selectedRun,
                                                                              sideBySide: state.sideBySide),
                                    metricCount: LayersPage.metricCount)
        case .propagation:
            return DashboardContext(runs: runs, rowCount: PropagationPage.rowCount(
                runs: runs, selectedRun: state.selectedRun, sideBySide: state.sideBySide))
        case .compare:
            return DashboardContext(runs: runs, rowCount: ComparePage.rowCount(runs: runs))
        case .quantize:
            return DashboardContext(runs: runs, rowCount: QuantizePage.rowCount(runs: runs, selectedRun: state.selectedRun))
        case .training, .help, .study:
            return DashboardContext(runs: runs)
        }
    }
}

extension LayersPage: ExportableWidget {}
extension PropagationPage: ExportableWidget {}
extension ComparePage: ExportableWidget {}
extension QuantizePage: ExportableWidget {}

extension HelpOverlay: ExportableWidget {
    /// The key table: section, keys, what they do.
    public var exportTable: ExportTable {
        ExportTable(header: ["section", "keys", "description"],
                    rows: bindings.map { [$0.section.rawValue, $0.keyLabel, $0.description] })
    }
}

extension DashboardView {
    /// What a mouse event on `frame` asks for: a click selects the tab, run or row drawn under
    /// it; the wheel zooms the Training chart and scrolls the other views' rows. Nothing while
    /// the form or the help overlay is open.
    public func action(for mouse: MouseEvent, on frame: CellBuffer, state: DashboardState) -> DashboardAction? {
        guard state.form == nil, state.confirm == nil, !state.showHelp else { return nil }
        switch mouse.kind {
        case .leftClick:
            switch frame.target(x: mouse.x, y: mouse.y) {
            case .tab(let index)?: return state.pages.indices.contains(index) ? .showPage(state.pages[index]) : nil
            case .run(let id)?: return .selectRun(id: id)
            case .row(let row)?: return .selectRow(row)
            case nil: return nil
            }
        case .wheelUp, .wheelDown:
            let up = mouse.kind == .wheelUp
            switch state.page {
            case .training: return up ? .zoomIn : .zoomOut
            case .layers, .propagation, .compare, .quantize: return up ? .selectPreviousRow : .selectNextRow
            case .help, .study: return nil
            }
        }
    }
}
