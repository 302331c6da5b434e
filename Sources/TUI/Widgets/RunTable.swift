import Core

/// One row per run (name, status, progress, losses, speed, lr, optimizer state, time): the compact view used
/// when several runs share the screen. Columns that do not fit are dropped from the right.
public struct RunTable: Widget {
    public var runs: [RunSnapshot]
    public var palette: Palette
    public var glyphs: GlyphSet

    public init(runs: [RunSnapshot], palette: Palette, glyphs: GlyphSet) {
        self.runs = runs
        self.palette = palette
        self.glyphs = glyphs
    }

    private struct Column: Sendable {
        var header: String
        var value: @Sendable (RunSnapshot) -> String
        var rightAligned: Bool
    }

    private static let columns: [Column] = [
        Column(header: "run", value: { $0.name }, rightAligned: false),
        Column(header: "status", value: { $0.status.rawValue }, rightAligned: false),
        Column(header: "step", value: { "\($0.step)/\($0.totalSteps)" }, rightAligned: true),
        Column(header: "train", value: { Format.metric($0.trainLoss) }, rightAligned: true),
        Column(header: "val", value: { Format.metric($0.valLoss) }, rightAligned: true),
        Column(header: "tok/s", value: { Format.count($0.tokensPerSecond) }, rightAligned: true),
        Column(header: "lr", value: { Format.scientific($0.learningRate) }, rightAligned: true),
        Column(header: "state", value: { Format.bytes($0.optimizerStateBytes) }, rightAligned: true),
        Column(header: "elapsed", value: { Format.duration($0.elapsed) }, rightAligned: true),
    ]

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let mark = glyphs.legendMark + " "
        var x = area.x
        for (index, column) in Self.columns.enumerated() {
            let values = runs.map(column.value)
            let prefix = index == 0 ? mark.count : 0
            let width = max(column.header.count, (values.map(\.count).max() ?? 0) + prefix)
            // The name column always shows, shortened if need be; the others all or nothing.
            let available = area.maxX - x
            guard index == 0 || width <= available else { break }
            let columnWidth = min(width, available)
            func cell(_ text: String) -> String {
                let fitted = Format.truncate(text, to: columnWidth, ascii: glyphs == .ascii)
                let padding = String(repeating: " ", count: columnWidth - fitted.count)
                return column.rightAligned ? padding + fitted : fitted + padding
            }
            let clip = Rect(x: x, y: area.y, width: columnWidth, height: area.height)
            buffer.write(cell(column.header), x: x, y: area.y, style: palette.dim, clip: clip)
            for (row, run) in runs.enumerated() where row + 1 < area.height {
                let y = area.y + 1 + row
                if index == 0 {
                    let after = buffer.write(mark, x: x, y: y, style: palette.run(run.id), clip: clip)
                    let rest = Format.truncate(run.name, to: columnWidth - mark.count, ascii: glyphs == .ascii)
                    buffer.write(rest, x: after, y: y, style: palette.text, clip: clip)
                } else {
                    let style = index == 1 ? palette.style(for: run.status) : palette.text
                    buffer.write(cell(values[row]), x: x, y: y, style: style, clip: clip)
                }
            }
            x += columnWidth + 2
        }
    }
}
