/// What the user can ask the dashboard to do.
public enum DashboardAction: Equatable, Sendable {
    case togglePause
    case cycleTheme
    case toggleHelp
    case closeOverlay
    case quit
}

/// One entry of the key table: the keys, what they do in words, and the action.
///
/// The same table drives dispatch, the help bar and the help overlay, so the help can never
/// disagree with what the keys actually do.
public struct KeyBinding: Equatable, Sendable {
    public var keys: [Key]
    public var description: String
    public var action: DashboardAction
    /// Shown in the one-line help bar (the overlay shows every binding).
    public var inHelpBar: Bool

    public init(keys: [Key], description: String, action: DashboardAction, inHelpBar: Bool = true) {
        self.keys = keys
        self.description = description
        self.action = action
        self.inHelpBar = inHelpBar
    }

    /// The keys as help text writes them: "q", "Esc", "p/P".
    public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

/// An ordered key table and its dispatcher.
public struct KeyMap: Equatable, Sendable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
    }

    /// The action bound to `key`; the first binding wins when a key appears twice.
    public func action(for key: Key) -> DashboardAction? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// The dashboard's keys.
    public static let dashboard = KeyMap(bindings: [
        KeyBinding(keys: [.character("p")], description: "pause/resume", action: .togglePause),
        KeyBinding(keys: [.character("t")], description: "theme", action: .cycleTheme),
        KeyBinding(keys: [.character("?")], description: "help", action: .toggleHelp),
        KeyBinding(keys: [.escape], description: "close help", action: .closeOverlay, inHelpBar: false),
        KeyBinding(keys: [.character("q")], description: "quit", action: .quit),
    ])
}
