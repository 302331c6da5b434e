/// One hyperparameter value as written in JSON or TOML: numbers, flags, names and lists (the
/// PSGD noise tensors are lists of lists).
public indirect enum HyperValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([HyperValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .list(try c.decode([HyperValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        }
    }

    /// The value as a user would write it, for error messages.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .number(let d): return String(d)
        case .string(let s): return "\"\(TextFile.excerpt(s, length: 40))\""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// Parses a command-line value: a number, true/false, a comma list of numbers, or a name.
    public init(cli text: String) {
        if let d = Double(text) { self = .number(d) }
        else if text == "true" || text == "false" { self = .bool(text == "true") }
        else if text.contains(","), case let parts = text.split(separator: ",").compactMap({ Double($0) }),
                parts.count == text.split(separator: ",").count {
            self = .list(parts.map(HyperValue.number))
        } else { self = .string(text) }
    }
}

/// An optimizer's hyperparameters by their reference names (snake_case, as in the references,
/// `qscope optim-replay` files and the TOML config). Every key is optional; each optimizer reads
/// its own with the reference's default and rejects names it does not know.
public struct Hyper: Sendable, Equatable, Codable {
    public var values: [String: HyperValue]

    public init(_ values: [String: HyperValue] = [:]) {
        self.values = values
    }

    /// Coded as a plain JSON object of key–values.
    public init(from decoder: Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: HyperValue].self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }

    public subscript(key: String) -> HyperValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Sets one `--hyper KEY=VALUE` item (the value parsed as `HyperValue(cli:)`).
    public mutating func set(cli item: String) throws {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw QScopeError.badInput("--hyper takes KEY=VALUE (got '\(item)')")
        }
        values[String(item[..<eq])] = HyperValue(cli: String(item[item.index(after: eq)...]))
    }

    /// Throws for any key outside `known` (plus the keys every optimizer takes).
    public func requireKnown(_ known: Set<String>, optimizer: OptimizerKind, variant: String? = nil) throws {
        let all = known.union(["lr", "weight_decay", "momentum"])
        if let unknown = values.keys.sorted().first(where: { !all.contains($0) }) {
            let name = variant.map { "\(optimizer) (variant \($0))" } ?? optimizer.rawValue
            throw QScopeError.badInput(
                "\(name) has no hyperparameter '\(unknown)'; it takes: \(all.sorted().joined(separator: ", "))")
        }
    }

    public func number(_ key: String, default value: Double) throws -> Double {
        switch values[key] {
        case nil, .null?: return value
        case .number(let d)? where !d.isNaN: return d
        case let other?: throw typeError(key, "a number", other)
        }
    }

    public func float(_ key: String, default value: Float) throws -> Float {
        Float(try number(key, default: Double(value)))
    }

    public func int(_ key: String, default value: Int) throws -> Int {
        let d = try number(key, default: Double(value))
        guard d.rounded() == d, abs(d) < 1e15 else { throw QScopeError.badInput("hyperparameter \(key) must be an integer (got \(d))") }
        return Int(d)
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        switch values[key] {
        case nil, .null?: return value
        case .bool(let b)?: return b
        case let other?: throw typeError(key, "true or false", other)
        }
    }

    public func string(_ key: String, default value: String, allowed: [String]) throws -> String {
        switch values[key] {
        case nil, .null?: return value
        case .string(let s)? where allowed.contains(s): return s
        case let other?: throw typeError(key, "one of \(allowed.joined(separator: ", "))", other)
        }
    }

    /// A list of numbers (e.g. `betas`), or nil when absent.
    public func numbers(_ key: String) throws -> [Double]? {
        switch values[key] {
        case nil, .null?: return nil
        case .list(let items)?:
            return try items.map {
                guard case .number(let d) = $0 else { throw typeError(key, "a list of numbers", $0) }
                return d
            }
        case let other?: throw typeError(key, "a list of numbers", other)
        }
    }

    /// A list of whole numbers (step counts), or nil when absent; a fraction, NaN or a number
    /// past ±10¹⁵ is an error rather than a trap.
    public func integers(_ key: String) throws -> [Int]? {
        try numbers(key)?.map { d in
            guard d.rounded() == d, abs(d) < 1e15 else {
                throw QScopeError.badInput("hyperparameter \(key) must be a list of integers (got \(d))")
            }
            return Int(d)
        }
    }

    /// A list of matrices (rows of numbers), flattened row-major, or nil when absent.
    public func matrices(_ key: String) throws -> [[Float]]? {
        guard let value = values[key], value != .null else { return nil }
        guard case .list(let items) = value else { throw typeError(key, "a list of matrices", value) }
        return try items.map { matrix in
            guard case .list(let rows) = matrix else { throw typeError(key, "a list of matrices", matrix) }
            return try rows.flatMap { row -> [Float] in
                switch row {
                case .number(let d): return [Float(d)]
                case .list(let cells):
                    return try cells.map {
                        guard case .number(let d) = $0 else { throw typeError(key, "numbers", $0) }
                        return Float(d)
                    }
                default: throw typeError(key, "numbers", row)
                }
            }
        }
    }

    /// β1 and β2: `betas` if given, else `momentum` as β1 and `beta2` or the default β2.
    public func betas(default value: (Float, Float)) throws -> (Float, Float) {
        if let b = try numbers("betas") {
            guard b.count == 2 else { throw QScopeError.badInput("hyperparameter betas must be [b1, b2]") }
            return (Float(b[0]), Float(b[1]))
        }
        return (try float("momentum", default: value.0), try float("beta2", default: value.1))
    }

    private func typeError(_ key: String, _ expected: String, _ got: HyperValue) -> QScopeError {
        .badInput("hyperparameter \(key) must be \(expected) (got \(got))")
    }
}
