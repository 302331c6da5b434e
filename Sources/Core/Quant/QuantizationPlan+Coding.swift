/// A plan file's form (docs/quantization.md §10.1), decoded strictly: unknown keys, kinds,
/// methods, granularities and bits outside 2–8 are errors naming the key.
///
///     [default]                  # every block linear (the head stays full unless set)
///     method = "rtn"             # rtn | gptq | full
///     weight_bits = 4
///     activation_bits = 4        # 2–8, or "full" to keep the input exact
///     granularity = "row"        # weights: row | tensor | group:G
///
///     [kind.down]                # q, k, v, o, up, down, head
///     weight_bits = 8
///
///     [layer."blocks.1.mlp.up"]  # one layer, by parameter name
///     method = "gptq"
extension QuantizationPlan: Codable {
    enum Keys: String, CodingKey, CaseIterable {
        case defaults = "default", kind, layer
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Keys.self)
        let c = try decoder.container(keyedBy: Keys.self)
        defaults = try c.decodeIfPresent(Settings.self, forKey: .defaults) ?? Settings()
        let kinds = try c.decodeIfPresent([String: Settings].self, forKey: .kind) ?? [:]
        self.kinds = [:]
        for (name, settings) in kinds { self.kinds[try PlanTarget(named: name)] = settings }
        layers = try c.decodeIfPresent([String: Settings].self, forKey: .layer) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(defaults, forKey: .defaults)
        try c.encode(Dictionary(uniqueKeysWithValues: kinds.map { ($0.key.rawValue, $0.value) }), forKey: .kind)
        try c.encode(layers, forKey: .layer)
    }

    /// The plan as a TOML file, tables in a fixed order (defaults, kinds in block order, layers
    /// in forward order), so the same plan always writes the same text.
    public func tomlText(header: [String] = []) -> String {
        var lines = header.map { "# " + $0 }
        func table(_ name: String, _ settings: Settings) {
            if !lines.isEmpty { lines.append("") }
            lines.append("[\(name)]")
            lines.append(contentsOf: settings.tomlLines)
        }
        table("default", defaults)
        for target in PlanTarget.allCases { if let s = kinds[target] { table("kind.\(target)", s) } }
        for name in layers.keys.sorted(by: { Self.forwardOrder($0) < Self.forwardOrder($1) }) { table("layer.\"\(name)\"", layers[name]!) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A sort key putting `blocks.L.<kind>` in forward order and anything else (`head`) after.
    private static func forwardOrder(_ name: String) -> (Int, Int, String) {
        let parts = name.split(separator: ".")
        guard parts.count == 4, parts[0] == "blocks", let layer = Int(parts[1]),
              let kind = LinearKind(rawValue: String(parts[3])) else { return (Int.max, 0, name) }
        return (layer, LinearKind.allCases.firstIndex(of: kind)!, name)
    }
}

extension QuantizationPlan.Settings: Codable {
    enum Keys: String, CodingKey, CaseIterable {
        case method, weightBits = "weight_bits", activationBits = "activation_bits", granularity
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(Keys.self)
        let c = try decoder.container(keyedBy: Keys.self)
        method = try c.decodeIfPresent(QuantMethod.self, forKey: .method)
        weightBits = try c.decodeIfPresent(Int.self, forKey: .weightBits)
        if let bits = weightBits { try Self.check(bits, key: .weightBits, in: c) }
        if c.contains(.activationBits) {
            if let text = try? c.decode(String.self, forKey: .activationBits) {
                guard QuantMethod(rawValue: text) == .full || QuantMethod.aliases[text] == .full else {
                    throw DecodingError.dataCorruptedError(forKey: .activationBits, in: c, debugDescription:
                        "activation_bits must be 2 to 8 or \"full\" (got \"\(text)\")")
                }
                activationBits = .some(nil)
            } else {
                let bits = try c.decode(Int.self, forKey: .activationBits)
                try Self.check(bits, key: .activationBits, in: c)
                activationBits = .some(bits)
            }
        }
        if let text = try c.decodeIfPresent(String.self, forKey: .granularity) {
            do {
                granularity = try QuantGranularity(parsing: text)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .granularity, in: c, debugDescription: "\(error)")
            }
        }
    }

    private static func check(_ bits: Int, key: Keys, in c: KeyedDecodingContainer<Keys>) throws {
        guard (2...8).contains(bits) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                "\(key.stringValue) must be 2 to 8 (got \(bits)); use method = \"full\" for full precision")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(method, forKey: .method)
        try c.encodeIfPresent(weightBits, forKey: .weightBits)
        if let bits = activationBits {
            if let bits { try c.encode(bits, forKey: .activationBits) } else { try c.encode("full", forKey: .activationBits) }
        }
        try c.encodeIfPresent(granularity?.description, forKey: .granularity)
    }

    /// `key = value` lines for the fields set.
    var tomlLines: [String] {
        var lines: [String] = []
        if let method { lines.append("method = \"\(method)\"") }
        if let weightBits { lines.append("weight_bits = \(weightBits)") }
        if let bits = activationBits { lines.append("activation_bits = " + (bits.map(String.init) ?? "\"full\"")) }
        if let granularity { lines.append("granularity = \"\(granularity)\"") }
        return lines
    }
}
