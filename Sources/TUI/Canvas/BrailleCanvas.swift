/// A canvas of Unicode braille glyphs: 2×4 dots per cell, the finest resolution a plain
/// terminal font offers.
public struct BrailleCanvas: DotCanvas, Sendable {
    private var grid: DotGrid

    public init(columns: Int, rows: Int) {
        grid = DotGrid(columns: columns, rows: rows)
    }

    public var columns: Int { grid.columns }
    public var rows: Int { grid.rows }
    public static var dotsPerCell: (x: Int, y: Int) { (2, 4) }

    /// Braille numbers dots 1, 2, 3, 7 down the left column and 4, 5, 6, 8 down the right;
    /// dot n is bit n - 1 of the offset from U+2800.
    private static let bit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]

    public mutating func setDot(x: Int, y: Int, style: Style) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        grid.set(column: x / 2, row: y / 4, mask: Self.bit[y % 4][x % 2], style: style)
    }

    public func isDotSet(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return false }
        return grid.mask(column: x / 2, row: y / 4) & Self.bit[y % 4][x % 2] != 0
    }

    public func render(into buffer: inout CellBuffer, origin: DotPoint) {
        grid.render(into: &buffer, origin: origin) { mask in
            Character(Unicode.Scalar(0x2800 + UInt32(mask))!)
        }
    }
}
