/// Something that draws itself into a rectangle of a `CellBuffer`.
///
/// Widgets never touch the terminal and must cope with any area, down to 0×0, without
/// trapping: they clip, shorten or skip what does not fit.
public protocol Widget {
    func render(into buffer: inout CellBuffer, area: Rect)
}
