/// What a click on part of a frame means: widgets mark the rows and tabs they draw, so mouse
/// input is resolved against what is actually on screen, not a second copy of the layout.
public enum HitTarget: Equatable, Sendable {
    /// A row of the run table.
    case run(id: Int)
    /// Row `index` of a page's layer or module table.
    case row(Int)
    /// Tab `index` (0-based) of the title bar.
    case tab(Int)
}

/// A marked rectangle of a frame.
public struct HitRegion: Equatable, Sendable {
    public var rect: Rect
    public var target: HitTarget
}

extension CellBuffer {
    /// Marks `rect` (clipped to the buffer) as `target`; later marks win where they overlap.
    public mutating func mark(_ rect: Rect, as target: HitTarget) {
        let clipped = rect.intersection(area)
        guard !clipped.isEmpty else { return }
        hitRegions.append(HitRegion(rect: clipped, target: target))
    }

    /// The target under (x, y), if any.
    public func target(x: Int, y: Int) -> HitTarget? {
        hitRegions.last { $0.rect.contains(x: x, y: y) }?.target
    }
}
