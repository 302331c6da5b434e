import Core

/// The Compare page: every run's losses (full precision, after W4A4 PTQ, with QAT) and probe
/// statistics in one table, and below it how well each statistic predicts the PTQ loss
/// increase across runs (docs/analysis.md §2–§4: outlier metrics versus R_L).
public struct ComparePage: Widget {
    public var runs: [RunSnapshot]
    public var selectedRow: Int
    public var palette: Palette
    public var glyphs: GlyphSet

    /// Rows of the predictor panel: border, caption, header, one per statistic, border.
    static let predictorHeight = Predictor.statistics.count + 4

    public init(runs: [RunSnapshot], selectedRow: Int, palette: Palette, glyphs: GlyphSet) {
        self.runs = runs
        self.selectedRow = selectedRow
        self.palette = palette
        self.glyphs = glyphs
    }

    /// How many rows (runs) the page lists, for clamping the selection.
    public static func rowCount(runs: [RunSnapshot]) -> Int { runs.count }

    /// One row per run with every loss and statistic (empty where not measured).
    public var exportTable: ExportTable {
        ExportTable(
            header: ["run", "optimizer", "model", "qat"] + CompareTable.columns.map(\.exportName),
            rows: CompareRow.rows(runs).map { row in
                [row.run.name, row.run.optimizer?.rawValue ?? "", row.run.model, row.run.qat ?? ""]
                    + CompareTable.columns.map { ExportTable.number($0.value(row)) }
            })
    }

    /// The predictors: one row per statistic (empty coefficients where not computable).
    public var predictorTable: ExportTable {
        ExportTable(header: ["statistic", "runs", "pearson", "spearman"],
                    rows: Predictor.all(CompareRow.rows(runs)).map { predictor in
                        [predictor.exportName, "\(predictor.count)", ExportTable.number(predictor.pearson),
                         ExportTable.number(predictor.spearman)]
                    })
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let rows = CompareRow.rows(runs)
        guard !rows.isEmpty else {
            EmptyPage(title: "compare", message: "waiting for runs", palette: palette, glyphs: glyphs)
                .render(into: &buffer, area: area)
            return
        }
        let table = CompareTable(rows: rows, selectedRow: selectedRow, palette: palette, glyphs: glyphs)
        let predictors = PredictorTable(predictors: Predictor.all(rows), palette: palette, glyphs: glyphs)
        let caption = FlowText(chunks: table.caption(width: area.width - 4).map { FlowText.chunk($0, palette.dim) })
        let captionRows = caption.rowCount(width: area.width - 4)
        // Panels as tall as their content, the table's taking what the predictors leave.
        let predictorHeight = area.height >= 16 ? Self.predictorHeight : 0
        let tableHeight = min(rows.count + captionRows + 4, area.height - predictorHeight)
        let (tableArea, rest) = area.splitTop(tableHeight)
        let predictorArea = rest.splitTop(predictorHeight).top
        let tablePanel = Panel(pageTitle: "compare" + glyphs.separator + "\(rows.count) runs", palette: palette,
                               glyphs: glyphs)
        tablePanel.render(into: &buffer, area: tableArea)
        let tableInner = tablePanel.content(of: tableArea)
        // The caption goes only where it costs no run its row, one blank row above it.
        let room = tableInner.height - rows.count - 1 >= captionRows + 1
        let (body, captionArea) = tableInner.splitBottom(room ? captionRows : 0)
        table.render(into: &buffer, area: body)
        caption.render(into: &buffer, area: captionArea)
        table.rowWindow(height: body.height).renderLabel(into: &buffer, panel: tableArea, glyphs: glyphs,
                                                         style: palette.dim)
        guard !predictorArea.isEmpty else { return }
        let predictorPanel = Panel(pageTitle: "predictors of the PTQ loss increase", palette: palette,
                                   glyphs: glyphs)
        predictorPanel.render(into: &buffer, area: predictorArea)
        let inner = predictorPanel.content(of: predictorArea)
        let (captionRow, predictorBody) = inner.splitTop(1)
        FlowText(chunks: [FlowText.chunk(predictors.caption, palette.dim)]).render(into: &buffer, area: captionRow)
        predictors.render(into: &buffer, area: predictorBody)
    }

}
