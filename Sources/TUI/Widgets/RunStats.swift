import Core

/// The numbers of one run as label/value rows: progress, losses, speed, schedule, status.
///
/// With enough height it is one column and adds the run's identity (optimizer, model, size);
/// when short but wide it folds the core rows into two columns.
public struct RunStats: Widget {
    public var run: RunSnapshot
    public var palette: Palette

    public init(run: RunSnapshot, palette: Palette) {
        self.run = run
        self.palette = palette
    }

    static let labelWidth = 10
    /// Narrowest column that still shows a value in full ("12345 / 20000 (61%)").
    static let columnWidth = 34

    /// The rows every layout shows.
    var coreRows: [(label: String, value: String, style: Style)] {
        [("step", Self.progress(run), palette.text),
         ("train", Format.metric(run.trainLoss), palette.text),
         ("val", Format.metric(run.valLoss), palette.text),
         ("status", run.status.rawValue, palette.style(for: run.status)),
         ("tokens/s", Format.count(run.tokensPerSecond), palette.text),
         ("lr", Format.scientific(run.learningRate), palette.text),
         ("grad norm", Format.metric(run.gradNorm), palette.text),
         ("elapsed", Format.duration(run.elapsed), palette.text)]
    }

    /// Rows shown only when the block is tall enough.
    var extraRows: [(label: String, value: String, style: Style)] {
        var rows: [(label: String, value: String, style: Style)] = [
            ("tokens", Format.count(Double(run.tokens)), palette.text),
            ("optimizer", run.optimizer?.rawValue ?? "?", palette.text),
            ("model", run.model, palette.text),
            ("params", Format.count(Double(run.parameterCount)), palette.text),
            ("opt state", Format.bytes(run.optimizerStateBytes), palette.text),
        ]
        if run.spec?.precision == .bf16 { rows.append(("precision", "bf16 products", palette.text)) }
        if let message = run.message { rows.append(("note", message, palette.warn)) }
        return rows
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let core = coreRows
        if area.height < core.count, area.width >= 2 * Self.columnWidth {
            let perColumn = (core.count + 1) / 2
            let half = area.width / 2
            draw(Array(core[..<perColumn]), into: &buffer, area: area.splitLeft(half).left)
            draw(Array(core[perColumn...]), into: &buffer, area: area.splitLeft(half).rest)
        } else {
            draw(core + extraRows, into: &buffer, area: area)
        }
    }

    private func draw(_ rows: [(label: String, value: String, style: Style)],
                      into buffer: inout CellBuffer, area: Rect) {
        for (index, row) in rows.enumerated() where index < area.height {
            let y = area.y + index
            let x = buffer.write(Format.pad(row.label, to: Self.labelWidth), x: area.x, y: y,
                                 style: palette.dim, clip: area)
            let room = area.maxX - x
            buffer.write(Format.truncate(row.value, to: room), x: x, y: y, style: row.style, clip: area)
        }
    }

    /// "120 / 2000 (6%)", or just the step when the total is unknown.
    static func progress(_ run: RunSnapshot) -> String {
        guard run.totalSteps > 0 else { return "\(run.step)" }
        let percent = 100 * run.step / run.totalSteps
        return "\(run.step) / \(run.totalSteps) (\(percent)%)"
    }
}

extension Palette {
    /// How a run status is coloured: problems stand out, quiet states recede.
    public func style(for status: RunStatus) -> Style {
        switch status {
        case .running: return text
        case .starting, .stopped: return dim
        case .paused: return warn
        case .finished: return highlight
        case .diverged, .failed: return crit
        }
    }
}
