extension DotCanvas {
    /// Draws the straight line from `a` to `b` (both ends included) with Bresenham's
    /// algorithm; dots off the canvas are dropped, the rest of the line is still drawn.
    public mutating func drawLine(from a: DotPoint, to b: DotPoint, style: Style) {
        // A segment whose bounding box misses the canvas sets no dot: skip the walk, which
        // matters when a zoomed view leaves points far outside.
        if max(a.x, b.x) < 0 || min(a.x, b.x) >= dotWidth || max(a.y, b.y) < 0
            || min(a.y, b.y) >= dotHeight { return }
        let dx = abs(b.x - a.x), dy = -abs(b.y - a.y)
        let sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1
        var x = a.x, y = a.y, error = dx + dy
        while true {
            setDot(x: x, y: y, style: style)
            if x == b.x && y == b.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// Draws a polyline through `points`; nil is a gap (a NaN in the data) that splits it.
    ///
    /// Sets exactly the dots that per-segment Bresenham would, but dense data (thousands of
    /// points over a few dozen dot columns) costs one vertical span per column: consecutive
    /// points in the same dot column chain vertical segments, whose union is the span from
    /// their lowest to their highest dot.
    public mutating func drawPolyline(_ points: [DotPoint?], style: Style) {
        var previousEnd: DotPoint?
        var index = 0
        while index < points.count {
            guard let first = points[index] else {
                previousEnd = nil
                index += 1
                continue
            }
            var last = first, low = first.y, high = first.y
            index += 1
            while index < points.count, let next = points[index], next.x == first.x {
                last = next
                low = min(low, next.y)
                high = max(high, next.y)
                index += 1
            }
            if let previousEnd { drawLine(from: previousEnd, to: first, style: style) }
            fillColumn(first.x, from: low, to: high, style: style)
            previousEnd = last
        }
    }

    /// Sets the dots of column `x` from `top` to `bottom` inclusive, clipped to the canvas.
    private mutating func fillColumn(_ x: Int, from top: Int, to bottom: Int, style: Style) {
        guard x >= 0, x < dotWidth else { return }
        let start = max(top, 0), end = min(bottom, dotHeight - 1)
        guard start <= end else { return }
        for y in start...end { setDot(x: x, y: y, style: style) }
    }
}
