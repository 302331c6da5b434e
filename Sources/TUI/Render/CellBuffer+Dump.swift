extension CellBuffer {
    /// A text picture of the frame for snapshot files: the glyph grid, then one line per run
    /// of equally styled, non-plain cells (`y x0..x1 fg=… bg=… bold`), in the spirit of
    /// ratatui's `Buffer` debug output, so a diff shows layout and colour changes alike.
    public var snapshotDump: String {
        var lines = ["== \(width)x\(height) glyphs =="]
        for y in 0..<height { lines.append(row(y)) }
        lines.append("== styles ==")
        lines.append(contentsOf: styleRuns.map { run in
            "\(run.y) \(run.x0)..\(run.x1) \(run.style.dumpDescription)"
        })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Maximal horizontal runs of one non-plain style, row by row.
    public var styleRuns: [(y: Int, x0: Int, x1: Int, style: Style)] {
        var runs: [(y: Int, x0: Int, x1: Int, style: Style)] = []
        for y in 0..<height {
            var x = 0
            while x < width {
                let style = self[x, y].style
                var end = x
                while end + 1 < width, self[end + 1, y].style == style { end += 1 }
                if style != .plain { runs.append((y, x, end, style)) }
                x = end + 1
            }
        }
        return runs
    }
}
