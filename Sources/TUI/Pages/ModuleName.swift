/// Short display names for layers and modules, so a table's name column stays narrow.
enum ModuleName {
    /// Drops the `blocks.` prefix and the `attn`/`mlp` group of a name inside a block:
    /// `blocks.0.attn.q` → `0.q`, `blocks.3.mlp.down` → `3.down`, `blocks.1.attn_norm` →
    /// `1.attn_norm`, `blocks.0.attn.o.input_quant` → `0.o.in`; names outside the blocks
    /// (`norm`, `head`) stay as they are.
    static func short(_ name: String) -> String {
        let name = name.hasSuffix(".input_quant") ? String(name.dropLast("input_quant".count)) + "in" : name
        var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0] == "blocks", Int(parts[1]) != nil else { return name }
        parts.removeFirst()
        if parts.count >= 3, ["attn", "mlp"].contains(parts[1]) { parts.remove(at: 1) }
        return parts.joined(separator: ".")
    }
}
