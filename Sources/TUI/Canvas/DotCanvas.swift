/// A dot position on a canvas: x grows rightwards, y grows downwards from the top row.
public struct DotPoint: Hashable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// A grid of sub-cell dots that turns into glyphs: the drawing surface of charts.
///
/// Each cell packs `dotsPerCell` dots into one glyph and has one style, so where curves of
/// different colours meet in a cell the last writer wins (draw the most important curve last).
public protocol DotCanvas {
    /// Size in cells.
    var columns: Int { get }
    var rows: Int { get }
    /// Dots per cell across and down.
    static var dotsPerCell: (x: Int, y: Int) { get }

    /// Sets one dot and gives its cell `style`; dots off the canvas are ignored.
    mutating func setDot(x: Int, y: Int, style: Style)
    func isDotSet(x: Int, y: Int) -> Bool
    /// Draws every cell that has a dot into `buffer` with its top-left cell at `origin`,
    /// leaving empty cells untouched so axes or grid lines underneath stay visible.
    func render(into buffer: inout CellBuffer, origin: DotPoint)
}

extension DotCanvas {
    public var dotWidth: Int { columns * Self.dotsPerCell.x }
    public var dotHeight: Int { rows * Self.dotsPerCell.y }

    /// Every set dot, row by row: the canvas's content independent of glyph encoding.
    public var setDots: Set<DotPoint> {
        var dots = Set<DotPoint>()
        for y in 0..<dotHeight {
            for x in 0..<dotWidth where isDotSet(x: x, y: y) { dots.insert(DotPoint(x: x, y: y)) }
        }
        return dots
    }
}

/// The storage both canvases share: a bit mask and a style per cell.
struct DotGrid: Sendable {
    let columns: Int
    let rows: Int
    private(set) var bits: [UInt8]
    private(set) var styles: [Style]

    init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        styles = Array(repeating: .plain, count: self.columns * self.rows)
    }

    mutating func set(column: Int, row: Int, mask: UInt8, style: Style) {
        let index = row * columns + column
        bits[index] |= mask
        styles[index] = style
    }

    func mask(column: Int, row: Int) -> UInt8 { bits[row * columns + column] }

    /// Writes `glyph(mask)` for every non-empty cell.
    func render(into buffer: inout CellBuffer, origin: DotPoint, glyph: (UInt8) -> Character) {
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row * columns + column
                guard bits[index] != 0 else { continue }
                buffer.set(x: origin.x + column, y: origin.y + row,
                           Cell(glyph(bits[index]), style: styles[index]))
            }
        }
    }
}
