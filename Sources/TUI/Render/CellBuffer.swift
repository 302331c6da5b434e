/// A width × height grid of cells that widgets draw into; the frame a backend presents.
///
/// Every write is clipped to the buffer (and to an optional rectangle), so widgets can be
/// careless about edges and tiny sizes: nothing here can trap on coordinates.
public struct CellBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Clickable regions the widgets marked while drawing (see `mark(_:as:)`).
    public internal(set) var hitRegions: [HitRegion] = []

    public init(width: Int, height: Int, filling cell: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: cell, count: self.width * self.height)
    }

    public init(size: Size, filling cell: Cell = .blank) {
        self.init(width: size.width, height: size.height, filling: cell)
    }

    public var size: Size { Size(width: width, height: height) }
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at (x, y); a blank cell outside the buffer.
    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// Sets one cell; writes outside the buffer are dropped.
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = cell
    }

    /// Fills `rect` (clipped) with `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell) {
        let r = rect.intersection(area)
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x] = cell }
        }
    }

    /// Writes `text` from (x, y) rightwards, one glyph per column, clipped to `clip` (the
    /// whole buffer by default). Returns the column just after the last glyph written, so
    /// callers can chain differently styled pieces.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain,
                               clip: Rect? = nil) -> Int {
        let bounds = (clip ?? area).intersection(area)
        guard y >= bounds.y, y < bounds.maxY else { return x + text.count }
        var column = x
        for glyph in text {
            if column >= bounds.maxX { break }
            if column >= bounds.x { cells[y * width + column] = Cell(glyph, style: style) }
            column += 1
        }
        return x + text.count
    }

    /// One row's glyphs as a string.
    public func row(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        return String(cells[(y * width)..<((y + 1) * width)].map(\.glyph))
    }

    /// The glyphs only, rows joined by "\n": what a person sees in a monochrome terminal.
    public var text: String {
        (0..<height).map(row).joined(separator: "\n")
    }
}

/// One cell that differs between two frames.
public struct CellChange: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var cell: Cell
}

extension CellBuffer {
    /// The cells of `self` that differ from `previous`; every cell when the sizes differ,
    /// since the old frame then says nothing about what the terminal shows.
    public func diff(against previous: CellBuffer?) -> [CellChange] {
        let everything = (0..<cells.count).map {
            CellChange(x: $0 % width, y: $0 / width, cell: cells[$0])
        }
        guard let previous, previous.width == width, previous.height == height else {
            return everything
        }
        return everything.filter { previous.cells[$0.y * width + $0.x] != $0.cell }
    }
}
