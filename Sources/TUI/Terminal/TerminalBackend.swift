/// Where frames go and input comes from: the real terminal, or a test double.
///
/// The dashboard only ever hands a backend whole frames; deciding which cells to write is
/// the backend's job, so a test backend sees exactly what a terminal would be asked to show.
public protocol TerminalBackend {
    /// The terminal's current size in cells.
    var size: Size { get }
    /// Number of colours the terminal reports (0 without colour support).
    var colorCount: Int { get }
    /// Shows `frame`, writing only what changed since the previous one.
    mutating func present(_ frame: CellBuffer)
    /// Waits up to `timeoutMs` for input; nil when nothing arrived.
    mutating func poll(timeoutMs: Int32) -> InputEvent?
}
