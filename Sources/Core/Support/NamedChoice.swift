/// A closed set of names a user types (an optimizer, a schedule, a QAT method): parsed once, at
/// the edge, into an enum, and an unknown name is an error there that lists the choices.
public protocol NamedChoice: RawRepresentable, CaseIterable, Codable, Sendable, CustomStringConvertible
where RawValue == String {
    /// What the names name, for errors: `optimizer`.
    static var noun: String { get }
    /// Other names accepted for a case (never written).
    static var aliases: [String: Self] { get }
}

extension NamedChoice {
    public static var aliases: [String: Self] { [:] }

    /// Parses a name or alias; unknown names are bad input listing the choices.
    public init(named name: String) throws {
        guard let choice = Self(rawValue: name) ?? Self.aliases[name] else {
            throw QScopeError.badInput("unknown \(Self.noun) '\(name)'; choose one of: \(Self.choices)")
        }
        self = choice
    }

    /// Decoded by name, so a stored or typed unknown name gets the same error as a flag.
    public init(from decoder: Decoder) throws {
        try self.init(named: try decoder.singleValueContainer().decode(String.self))
    }

    /// `a, b, c`: every name, in declaration order.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public var description: String { rawValue }
}
