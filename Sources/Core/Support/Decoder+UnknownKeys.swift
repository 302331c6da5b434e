/// Strict decoding for files people write by hand (run files, study specs): a key the type does
/// not know is an error naming it, not silently ignored.
extension Decoder {
    /// Throws `DecodingError.dataCorrupted` at the first key of this object outside `Keys`.
    public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let container = try container(keyedBy: AnyCodingKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath + [AnyCodingKey(stringValue: unknown)!],
                debugDescription: "unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

/// Any string key, for reading an object's keys before knowing its type.
public struct AnyCodingKey: CodingKey {
    public let stringValue: String
    public var intValue: Int? { nil }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
