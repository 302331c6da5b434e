import Core

extension DashboardView {
    /// The body of `page`: the one place a view's widget is chosen.
    ///
    /// Layers, Propagation and Compare show placeholders until their widgets arrive; each is
    /// then one line here, e.g. `LayersPage(runs: runs, selectedRun: state.selectedRun,
    /// selectedRow: state.selectedRow, selectedMetric: state.selectedMetric, sideBySide:
    /// state.sideBySide, showValues: state.showValues, palette: palette, glyphs: glyphs)`.
    func body(of page: DashboardPage, runs: [RunSnapshot], state: DashboardState) -> any ExportableWidget {
        switch page {
        case .training:
            return TrainingPage(runs: runs, state: state, palette: palette, glyphs: glyphs)
        case .layers:
            return placeholder(page, "Layers: per-layer statistics (MMR, kurtosis, RMS, W4A4 error) appear after the "
                               + "first probe; press m to measure the selected run now.")
        case .propagation:
            return placeholder(page, "Propagation: each module's quantization error, split into propagated, local "
                               + "and interaction parts (R = A + B + C), appears after the first probe.")
        case .compare:
            return placeholder(page, "Compare: every run's full-precision and quantized losses with its outlier "
                               + "metrics, side by side, appear once runs have been measured.")
        case .help:
            return HelpOverlay(bindings: keyMap.bindings, notes: [], glyphs: glyphs, palette: palette, fill: true)
        }
    }

    /// What the state needs to know about the screen to act on a key: the runs, and the rows
    /// and metric columns of the view's table so selections stay inside it.
    public func context(runs: [RunSnapshot], state: DashboardState) -> DashboardContext {
        let shown = state.sideBySide ? runs : state.selectedRun(in: runs).map { [$0] } ?? []
        switch state.page {
        case .layers:
            return DashboardContext(runs: runs, rowCount: shown.map { $0.layers?.layers.count ?? 0 }.max() ?? 0,
                                    metricCount: LayerMetric.allCases.count)
        case .propagation:
            return DashboardContext(runs: runs, rowCount: shown.map { $0.propagation?.modules.count ?? 0 }.max() ?? 0)
        case .compare:
            return DashboardContext(runs: runs, rowCount: runs.count)
        case .training, .help:
            return DashboardContext(runs: runs)
        }
    }

    private func placeholder(_ page: DashboardPage, _ message: String) -> PlaceholderPage {
        PlaceholderPage(title: page.title, message: message, palette: palette, glyphs: glyphs)
    }
}

extension HelpOverlay: ExportableWidget {
    /// The key table: section, keys, what they do.
    public var exportTable: ExportTable {
        ExportTable(header: ["section", "keys", "description"],
                    rows: bindings.map { [$0.section.rawValue, $0.keyLabel, $0.description] })
    }
}
