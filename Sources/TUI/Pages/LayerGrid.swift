import Core

/// The Layers page's table as data: rows are linear layers, columns are either the metrics of
/// one run or one metric across every run (side by side), with the heat position of each
/// cell and the selection clamped to the table.
struct LayerGrid: Sendable {
    struct Column: Sendable {
        var title: String
        /// The run whose report fills this column.
        var run: RunSnapshot
        var metric: LayerMetric
    }

    /// Full layer names in forward order.
    let layers: [String]
    let columns: [Column]
    /// values[row][column]; nil where a run has no such layer.
    let values: [[Double?]]
    /// Heat positions in 0…1, same shape as `values`.
    let positions: [[Double?]]
    /// How the positions were placed: per column, or one scale shared by the whole table.
    let scales: [HeatScale]
    let sharedScale: Bool
    let selectedRow: Int
    let selectedColumn: Int

    /// The grid for the chosen run's metrics, or, side by side, the chosen metric for every run.
    init(runs unsorted: [RunSnapshot], selectedRun: Int, selectedRow: Int, selectedMetric: Int,
         sideBySide: Bool) {
        let runs = unsorted.sorted { $0.id < $1.id }
        let metrics = LayerMetric.allCases
        let metric = metrics[RowWindow.clamp(selectedMetric, count: metrics.count)]
        let runIndex = RowWindow.clamp(selectedRun, count: runs.count)
        var layers: [String] = [], columns: [Column] = []
        if sideBySide {
            columns = runs.map { Column(title: RunLabel.short($0, among: runs), run: $0, metric: metric) }
            layers = Self.union(runs.compactMap(\.layers).map(\.layers))
        } else if runs.indices.contains(runIndex) {
            let run = runs[runIndex]
            columns = metrics.map { Column(title: $0.label, run: run, metric: $0) }
            layers = run.layers?.layers ?? []
        }
        let values = layers.map { name in columns.map { Self.value(of: $0, layer: name) } }
        if sideBySide {
            let flat = HeatScale.positions(values.flatMap { $0 })
            positions = layers.indices.map { row in Array(flat[(row * columns.count)..<((row + 1) * columns.count)]) }
            scales = [HeatScale.choose(for: values.flatMap { $0 }.compactMap { $0 })]
        } else {
            let perColumn = columns.indices.map { column in HeatScale.positions(values.map { $0[column] }) }
            positions = layers.indices.map { row in columns.indices.map { perColumn[$0][row] } }
            scales = columns.indices.map { column in HeatScale.choose(for: values.compactMap { $0[column] }) }
        }
        self.layers = layers
        self.columns = columns
        self.values = values
        sharedScale = sideBySide
        self.selectedRow = RowWindow.clamp(selectedRow, count: layers.count)
        self.selectedColumn = sideBySide ? runIndex : RowWindow.clamp(selectedMetric, count: columns.count)
    }

    var isEmpty: Bool { layers.isEmpty || columns.isEmpty }

    /// The selected cell's value, layer name and column, when the grid has any cell.
    var selection: (layer: String, column: Column, value: Double?)? {
        guard !isEmpty else { return nil }
        return (layers[selectedRow], columns[selectedColumn], values[selectedRow][selectedColumn])
    }

    /// The values of the selected cell's group: its column, or the whole table when shared.
    var selectionGroup: [Double] {
        guard !isEmpty else { return [] }
        let cells = sharedScale ? values.flatMap { $0 } : values.map { $0[selectedColumn] }
        return cells.compactMap { $0 }.filter(\.isFinite)
    }

    /// The selected layer's value of the selected column over training, oldest first.
    func selectionHistory() -> [(step: Int, value: Double)] {
        guard let selection else { return [] }
        return Self.history(of: selection.column, layer: selection.layer)
    }

    static func history(of column: Column, layer: String) -> [(step: Int, value: Double)] {
        column.run.layerHistory.compactMap { report in
            report.layers.firstIndex(of: layer).map { (report.step, report.value(column.metric, layer: $0)) }
        }
    }

    static func value(of column: Column, layer: String) -> Double? {
        guard let report = column.run.layers, let index = report.layers.firstIndex(of: layer) else { return nil }
        return report.value(column.metric, layer: index)
    }

    /// Every name of every list, each once, in order of first appearance.
    static func union(_ lists: [[String]]) -> [String] {
        var seen = Set<String>()
        return lists.flatMap { $0 }.filter { seen.insert($0).inserted }
    }
}
