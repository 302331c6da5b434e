/// The themes the theme key steps through, and which of them is showing.
public struct ThemeCycle: Equatable, Sendable {
    public let names: [String]
    /// Index into `names` of the theme showing; nil for a theme given by path (or an unknown
    /// name), from which the first step goes to `names[0]`.
    public private(set) var current: Int?

    public init(names: [String], startingAt choice: ThemeChoice) {
        self.names = names
        switch choice {
        case .builtIn: current = names.firstIndex(of: "default")
        case .named(let name): current = names.firstIndex(of: name)
        case .file: current = nil
        }
    }

    /// Steps to the next theme, wrapping around, and returns its name.
    public mutating func advance() -> String {
        let next = current.map { ($0 + 1) % names.count } ?? 0
        current = next
        return names[next]
    }
}
