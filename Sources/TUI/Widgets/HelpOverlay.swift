/// Every key binding with its description, grouped by section under headings and flowed
/// into as many columns as the height needs: the `?` overlay (a centred box) and the Help
/// view (`fill`, the whole area).
///
/// Generated from the key table, so it always lists what the keys really do.
public struct HelpOverlay: Widget {
    public var bindings: [KeyBinding]
    public var notes: [String]
    public var glyphs: GlyphSet
    public var palette: Palette
    /// Take the whole area instead of a box sized to the content.
    public var fill: Bool
    /// Sections listed before the others (the keys of the view under the overlay), so what
    /// works right now is on screen even when a small window cannot show every key.
    public var leading: [KeySection]

    public init(bindings: [KeyBinding], notes: [String], glyphs: GlyphSet, palette: Palette, fill: Bool = false,
                leading: [KeySection] = []) {
        self.bindings = bindings
        self.notes = notes
        self.glyphs = glyphs
        self.palette = palette
        self.fill = fill
        self.leading = leading
    }

    enum Line: Equatable {
        case heading(String)
        case binding(keys: String, description: String)
        case note(String)
        case blank

        var isHeading: Bool {
            if case .heading = self { return true }
            return false
        }
    }

    static let columnGap = 3

    /// The headings, bindings and notes in reading order; blank lines between sections when
    /// `spaced`.
    func lines(spaced: Bool) -> [Line] {
        var lines: [Line] = []
        for section in leading + KeySection.allCases.filter({ !leading.contains($0) }) {
            let entries = bindings.filter { $0.section == section }
            guard !entries.isEmpty else { continue }
            if spaced, !lines.isEmpty { lines.append(.blank) }
            lines.append(.heading(section.rawValue))
            lines += entries.map { .binding(keys: $0.keyLabel, description: $0.description) }
        }
        if !notes.isEmpty {
            if spaced { lines.append(.blank) }
            lines += notes.map(Line.note)
        }
        return lines
    }

    /// `lines` cut into columns of at most `height`, never leaving a heading at the bottom
    /// of a column or a blank line at the top of one.
    static func columns(_ lines: [Line], height: Int) -> [[Line]] {
        guard height > 0 else { return [] }
        var columns: [[Line]] = [[]]
        for line in lines {
            let used = columns[columns.count - 1].count
            let orphan = line.isHeading && used == height - 1 && height > 1
            if used >= height || orphan {
                if line == .blank { continue }
                columns.append([])
            }
            columns[columns.count - 1].append(line)
        }
        return columns
    }

    private static func keyWidth(_ column: [Line]) -> Int {
        column.map { if case .binding(let keys, _) = $0 { return keys.count }; return 0 }.max() ?? 0
    }

    private static func width(_ column: [Line]) -> Int {
        let keys = keyWidth(column)
        return column.map { line -> Int in
            switch line {
            case .heading(let text), .note(let text): return text.count
            case .binding(_, let description): return keys + 2 + description.count
            case .blank: return 0
            }
        }.max() ?? 0
    }

    /// The columns for a content area of `width`×`height`: spaced sections when that fits.
    func layout(width: Int, height: Int) -> [[Line]] {
        let spaced = Self.columns(lines(spaced: true), height: height)
        let total = spaced.map(Self.width).reduce(0, +) + Self.columnGap * (spaced.count - 1)
        return total <= width ? spaced : Self.columns(lines(spaced: false), height: height)
    }

    /// How many of `columns` fit side by side in `width`: a column fits while its keys and
    /// the start of its descriptions do (they are then cut short); the first always shows.
    private static func fitting(_ columns: [[Line]], width: Int) -> Int {
        var start = 0
        for (index, column) in columns.enumerated() {
            if index > 0, start + min(Self.width(column), keyWidth(column) + 2 + 8) > width { return index }
            start += Self.width(column) + columnGap
        }
        return columns.count
    }

    public func render(into buffer: inout CellBuffer, area: Rect) {
        guard !area.isEmpty else { return }
        let panel = Panel(title: fill ? "Help: every key, by view" : "keys", glyphs: glyphs,
                          borderStyle: palette.border, titleStyle: palette.title)
        var box = area
        if !fill {
            let columns = layout(width: area.width - 4, height: area.height - 2)
            let width = columns.map(Self.width).reduce(0, +) + Self.columnGap * max(columns.count - 1, 0)
            box = area.centered(width: width + 4, height: (columns.map(\.count).max() ?? 0) + 2)
            // A box within a few cells of the area would leave slivers of the view around it.
            if box.width > area.width - 4 { box = Rect(x: area.x, y: box.y, width: area.width, height: box.height) }
            if box.height > area.height - 2 { box = Rect(x: box.x, y: area.y, width: box.width, height: area.height) }
        }
        panel.render(into: &buffer, area: box)
        let inner = panel.inner(of: box)
        let content = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        var columns = layout(width: content.width, height: content.height)
        var shown = Self.fitting(columns, width: content.width)
        if shown < columns.count {
            // Say what the window is too small to show, on a row of its own, rather than hide it.
            columns = layout(width: content.width, height: content.height - 1)
            shown = Self.fitting(columns, width: content.width)
            let hidden = columns[shown...].joined().filter { if case .binding = $0 { return true }; return false }
            buffer.write(Format.truncate("+\(hidden.count) more keys in a larger window", to: content.width,
                                         ascii: glyphs == .ascii),
                         x: content.x, y: content.maxY - 1, style: palette.warn, clip: content)
        }
        var x = content.x
        for column in columns[..<shown] {
            let clip = Rect(x: x, y: content.y, width: content.maxX - x, height: content.height)
            let keys = Self.keyWidth(column)
            for (row, line) in column.enumerated() {
                let y = content.y + row
                switch line {
                case .heading(let text):
                    buffer.write(text, x: x, y: y, style: palette.title, clip: clip)
                case .binding(let label, let description):
                    buffer.write(label, x: x, y: y, style: palette.highlight, clip: clip)
                    let room = clip.maxX - (x + keys + 2)
                    buffer.write(Format.truncate(description, to: room, ascii: glyphs == .ascii), x: x + keys + 2, y: y,
                                 style: palette.text, clip: clip)
                case .note(let text):
                    buffer.write(text, x: x, y: y, style: palette.dim, clip: clip)
                case .blank:
                    break
                }
            }
            x += Self.width(column) + Self.columnGap
        }
    }
}
