import Core

/// The Quantize view (docs/dashboard.md §10): a quantization plan for the selected run,
/// edited layer by layer or kind by kind, and what it does to the run's current weights,
/// measured off the UI thread by the `QuantizeWorker`: the loss increase beside the increase
/// the final error predicts, R at the final hidden state and at the logits, the output KL,
/// the footprint, and R per module.
///
/// Layout: the numbers on top, the layer table below; the whole module chain (the
/// Propagation view's table of the measured plan) beside the table on wide screens, or under
/// it on tall ones.
public struct QuantizePage: Widget {
    public var runs: [RunSnapshot]
    public var selectedRun: Int
    public var selectedRow: Int
    public var state: QuantizeState
    public var status: QuantizeStatus
    /// Turns the busy spinner.
    public var animationFrame: Int
    public var palette: Palette
    public var glyphs: GlyphSet

    static let sideChainMinWidth = 120
    static let bottomChainMinHeight = 40

    public init(runs: [RunSnapshot], selectedRun: Int, selectedRow: Int, state: QuantizeState, status: QuantizeStatus,
                animationFrame: Int = 0, palette: Palette, glyphs: GlyphSet) {
        self.runs = runs.sorted { $0.id < $1.id }
        self.selectedRun = selectedRun
        self.selectedRow = selectedRow
        self.state = state
        self.status = status
        self.animationFrame = animationFrame
        self.palette = palette
        self.glyphs = glyphs
    }

    /// Rows of the layer table of the selected run (its block linears and the head).
    public static func rowCount(runs: [RunSnapshot], selectedRun: Int) -> Int {
        let sorted = runs.sorted { $0.id < $1.id }
        guard !sorted.isEmpty else { return 0 }
        return QuantizeState.config(of: sorted[RowWindow.clamp(selectedRun, count: sorted.count)])
            .map { QuantizeTarget.all(in: $0).count } ?? 0
    }

    var run: RunSnapshot? { runs.isEmpty ? nil : runs[RowWindow.clamp(selectedRun, count: runs.count)] }

    /// The selected run with its model, rows and plan; nil when there is no run or its model is unknown.
    private var subject: (run: RunSnapshot, config: ModelConfig, targets: [QuantizeTarget], plan: ResolvedQuantization)? {
        guard let run, let config = QuantizeState.config(of: run) else { return nil }
        return (run, config, QuantizeTarget.all(in: config), state.plan(run: run.id, config: config))
    }

    private func table(_ s: (run: RunSnapshot, config: ModelConfig, targets: [QuantizeTarget],
                             plan: ResolvedQuantization)) -> QuantizeLayerTable {
        let target = s.targets[RowWindow.clamp(selectedRow, count: s.targets.count)]
        let scope = QuantizeState.targets(of: target, scope: state.scope, config: s.config)
        return QuantizeLayerTable(targets: s.targets, plan: s.plan, measurement: status.measurements[s.run.id],
                                  selectedRow: selectedRow, inScope: Set(scope), palette: palette, glyphs: glyphs)
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        guard let s = subject else {
            EmptyPage(title: (["quantize"] + [run?.name].compactMap { $0 }).joined(separator: glyphs.separator),
                      message: run == nil ? "waiting for runs" : "the model of this run is unknown",
                      palette: palette, glyphs: glyphs).render(into: &buffer, area: area)
            return
        }
        let measurement = status.measurements[s.run.id]
        let summary = QuantizeSummary(
            measurement: measurement,
            prediction: measurement.flatMap { IncreasePrediction(history: s.run.probeHistory, report: $0.propagation) },
            plan: s.plan, layout: ParameterLayout(config: s.config), state: state,
            failure: status.failures[s.run.id], palette: palette, glyphs: glyphs)
        let summaryPanel = Panel(pageTitle: title(s.run, measurement: measurement), palette: palette, glyphs: glyphs)
        let rows = min(summary.rowCount(width: max(area.width - 4, 1)), max(area.height / 2 - 2, 1))
        let (top, rest) = area.splitTop(rows + 2)
        summaryPanel.render(into: &buffer, area: top)
        summary.render(into: &buffer, area: summaryPanel.content(of: top))

        var tableArea = rest, chainArea = Rect(x: rest.x, y: rest.maxY, width: 0, height: 0)
        if measurement != nil, rest.width >= Self.sideChainMinWidth {
            (tableArea, chainArea) = rest.splitRight(rest.width / 2)
        } else if measurement != nil, area.height >= Self.bottomChainMinHeight {
            (tableArea, chainArea) = rest.splitBottom(rest.height / 2)
        }
        let table = table(s)
        let tablePanel = Panel(pageTitle: "layers" + glyphs.separator + "edit by \(state.scope.rawValue)",
                               palette: palette, glyphs: glyphs)
        tablePanel.render(into: &buffer, area: tableArea)
        table.render(into: &buffer, area: tablePanel.content(of: tableArea))
        table.rowWindow(area: tablePanel.content(of: tableArea))
            .renderLabel(into: &buffer, panel: tableArea, glyphs: glyphs, style: palette.dim)
        guard let measurement, !chainArea.isEmpty else { return }
        renderChain(measurement.propagation, target: table.targets[table.selected], into: &buffer, area: chainArea)
    }

    /// The measured plan's whole module chain, the selected layer's module selected.
    private func renderChain(_ report: PropagationReport, target: QuantizeTarget, into buffer: inout CellBuffer,
                             area: Rect) {
        let panel = Panel(pageTitle: "modules" + glyphs.separator + "R_L \(Format.shortScientific(report.outputError))",
                          palette: palette, glyphs: glyphs)
        panel.render(into: &buffer, area: area)
        let selected = report.modules.firstIndex { $0.name == target.name } ?? 0
        let chain = PropagationTable(report: report, selectedRow: selected, palette: palette, glyphs: glyphs)
        chain.render(into: &buffer, area: panel.content(of: area))
        chain.rowWindow(area: panel.content(of: area)).renderLabel(into: &buffer, panel: area, glyphs: glyphs,
                                                                  style: palette.dim)
    }

    /// "quantize · muon/tiny · ⠋ computing… evaluating" while the worker is on this run.
    private func title(_ run: RunSnapshot, measurement: QuantizeMeasurement?) -> String {
        var parts = ["quantize", run.name]
        if let busy = status.busy, status.busyRun == run.id {
            parts.append("\(Spinner.glyph(animationFrame, glyphs: glyphs)) computing\(glyphs.ellipsis) \(busy)")
        } else if let measurement, measurement.plan != state.plan(run: run.id, config: QuantizeState.config(of: run)!) {
            parts.append("not measured yet")
        }
        return parts.joined(separator: glyphs.separator)
    }

    /// Every layer of the selected run: its plan and, when measured, its module's R and B.
    public var exportTable: ExportTable {
        let header = ["run", "layer", "method", "weight_bits", "activation_bits", "r", "b"]
        guard let s = subject else { return ExportTable(header: header, rows: []) }
        let table = table(s)
        return ExportTable(header: header, rows: s.targets.map { target in
            let layer = QuantizeState.setting(of: target, in: s.plan), module = table.module(target)
            return [s.run.name, target.name, layer.method.rawValue,
                    layer.method == .full ? "" : "\(layer.weightBits)", layer.activationBits.map(String.init) ?? "",
                    ExportTable.number(module?.r), ExportTable.number(module?.b)]
        })
    }
}
