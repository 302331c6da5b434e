/// A canvas for terminals without braille: 1×2 dots per cell drawn as `'`, `.` and `:`
/// (htop's ASCII graph characters), so curves stay legible in any font and locale.
public struct AsciiCanvas: DotCanvas, Sendable {
    private var grid: DotGrid

    public init(columns: Int, rows: Int) {
        grid = DotGrid(columns: columns, rows: rows)
    }

    public var columns: Int { grid.columns }
    public var rows: Int { grid.rows }
    public static var dotsPerCell: (x: Int, y: Int) { (1, 2) }

    public mutating func setDot(x: Int, y: Int, style: Style) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        grid.set(column: x, row: y / 2, mask: y % 2 == 0 ? 1 : 2, style: style)
    }

    public func isDotSet(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return false }
        return grid.mask(column: x, row: y / 2) & (y % 2 == 0 ? 1 : 2) != 0
    }

    public func render(into buffer: inout CellBuffer, origin: DotPoint) {
        grid.render(into: &buffer, origin: origin) { mask in
            switch mask {
            case 1: return "'"
            case 2: return "."
            default: return ":"
            }
        }
    }
}
