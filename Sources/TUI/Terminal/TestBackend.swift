/// A terminal double: remembers the frames it was shown and replays scripted input.
public struct TestBackend: TerminalBackend {
    public var size: Size
    public var colorCount: Int
    /// Every frame presented, oldest first.
    public private(set) var frames: [CellBuffer] = []
    /// The cells each `present` would have written to a real terminal.
    public private(set) var writes: [[CellChange]] = []
    /// Events handed out by `poll`, front first; a `.resize` also changes `size`.
    public var pendingInput: [InputEvent]

    public init(size: Size, colorCount: Int = 256, input: [InputEvent] = []) {
        self.size = size
        self.colorCount = colorCount
        self.pendingInput = input
    }

    public mutating func present(_ frame: CellBuffer) {
        writes.append(frame.diff(against: frames.last))
        frames.append(frame)
    }

    public mutating func poll(timeoutMs: Int32) -> InputEvent? {
        guard !pendingInput.isEmpty else { return nil }
        let event = pendingInput.removeFirst()
        if case .resize(let newSize) = event { size = newSize }
        return event
    }
}
