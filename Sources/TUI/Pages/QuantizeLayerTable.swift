import Core

/// The Quantize view's layer table: per block linear (and the head) its plan, W and A bits
/// and method, then from the last measurement its module's R and local error B and R as a log
/// bar split into A, B and C (the Propagation view's `ABCBar`). The selected row is marked,
/// and the rows an edit would change with it (scope kind or all) carry a dot.
struct QuantizeLayerTable {
    var targets: [QuantizeTarget]
    var plan: ResolvedQuantization
    /// The last measurement of this run, if any.
    var measurement: QuantizeMeasurement?
    var selectedRow: Int
    /// The rows the next edit changes.
    var inScope: Set<QuantizeTarget>
    var palette: Palette
    var glyphs: GlyphSet

    static let nameWidth = 10
    static let numberWidth = 8
    /// The plan column: "W8A16 gptq" and a space.
    static let settingsWidth = 11

    var selected: Int { RowWindow.clamp(selectedRow, count: targets.count) }
    var bar: ABCBar { ABCBar(glyphs: glyphs, palette: palette) }

    /// The module of `target` in the last measurement.
    func module(_ target: QuantizeTarget) -> ModuleError? {
        measurement?.propagation.modules.first { $0.name == target.name }
    }

    /// Whether the measurement was taken with `target` as the plan now has it (else its numbers
    /// are drawn dim until the new plan is measured).
    func isCurrent(_ target: QuantizeTarget) -> Bool {
        guard let measurement else { return false }
        return QuantizeState.setting(of: target, in: measurement.plan) == QuantizeState.setting(of: target, in: plan)
    }

    private var legend: FlowText {
        FlowText(chunks: bar.legend + [FlowText.chunk("bar: R, log scale", palette.dim)])
    }

    /// The legend shows only when every row fits beside it.
    private func showsLegend(_ area: Rect) -> Bool {
        area.height >= targets.count + 1 + legend.rowCount(width: area.width)
    }

    func rowWindow(area: Rect) -> RowWindow {
        let legendRows = showsLegend(area) ? legend.rowCount(width: area.width) : 0
        return RowWindow(count: targets.count, selected: selected, visible: area.height - 1 - legendRows)
    }

    func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let rows = rowWindow(area: area)
        var y = area.y
        if showsLegend(area) {
            legend.render(into: &buffer, area: area)
            y += legend.rowCount(width: area.width)
        }
        let scale = LogScale(values: measurement?.propagation.modules.map(\.r) ?? [])
        let barX = area.x + Self.nameWidth + Self.settingsWidth + 2 * Self.numberWidth + 2
        let barWidth = area.maxX - barX
        buffer.write(Format.pad(" layer", to: Self.nameWidth) + "plan", x: area.x, y: y, style: palette.dim, clip: area)
        writeRight(["R", "B"], x: area.x + Self.nameWidth + Self.settingsWidth, y: y, style: palette.dim,
                   into: &buffer, clip: area)
        if let scale, barWidth >= scale.lowLabel.count + scale.highLabel.count + 2 {
            buffer.write(scale.lowLabel, x: barX, y: y, style: palette.dim, clip: area)
            buffer.write(scale.highLabel, x: area.maxX - scale.highLabel.count, y: y, style: palette.dim, clip: area)
        }
        for (line, index) in rows.range.enumerated() {
            let rowY = y + 1 + line
            buffer.mark(Rect(x: area.x, y: rowY, width: area.width, height: 1), as: .row(index))
            renderRow(index, y: rowY, scale: scale, barArea: Rect(x: barX, y: rowY, width: barWidth, height: 1),
                      into: &buffer, area: area)
        }
    }

    private func renderRow(_ index: Int, y: Int, scale: LogScale?, barArea: Rect, into buffer: inout CellBuffer,
                           area: Rect) {
        let target = targets[index]
        let layer = QuantizeState.setting(of: target, in: plan)
        let isSelected = index == selected
        let marker = isSelected ? glyphs.selectionMarker : (inScope.contains(target) ? glyphs.scopeMarker : " ")
        let name = marker + Format.truncate(ModuleName.short(target.name), to: Self.nameWidth - 2,
                                            ascii: glyphs == .ascii)
        buffer.write(Format.pad(name, to: Self.nameWidth), x: area.x, y: y,
                     style: isSelected ? palette.highlight : palette.text, clip: area)
        // The study's PTQ (W4A4 RTN, the head exact) is the default: dim, so changed layers stand out.
        let isDefault = layer == (target == .head ? .full : .defaultQuantized)
        buffer.write(Format.truncate(layer.description, to: Self.settingsWidth - 1, ascii: glyphs == .ascii),
                     x: area.x + Self.nameWidth, y: y, style: isDefault ? palette.dim : palette.text, clip: area)
        guard let module = module(target) else { return }
        let style = isCurrent(target) ? palette.text : palette.dim
        writeRight([Format.shortScientific(module.r), Format.shortScientific(module.b)],
                   x: area.x + Self.nameWidth + Self.settingsWidth, y: y, style: style, into: &buffer, clip: area)
        if let scale, barArea.width >= 2 {
            bar.render(module, scale: scale, into: &buffer, area: barArea.intersection(area))
        }
    }

    /// Texts right-aligned in consecutive number columns from `x`.
    private func writeRight(_ texts: [String], x: Int, y: Int, style: Style, into buffer: inout CellBuffer,
                            clip: Rect) {
        for (offset, text) in texts.enumerated() {
            buffer.write(Format.padLeft(text, to: Self.numberWidth), x: x + offset * Self.numberWidth, y: y,
                         style: style, clip: clip)
        }
    }
}

extension GlyphSet {
    /// The mark before rows an edit changes along with the selected one.
    var scopeMarker: String { self == .braille ? "•" : "*" }
}
