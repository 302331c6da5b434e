import Foundation

extension Format {
    /// `value` in at most `width` columns with as many significant digits (up to four) as fit:
    /// "12.35", "0.01234", "1.2e-5" (exponents without padding or plus sign); `-` when missing,
    /// `nan`/`inf` spelled out. Cut with `Format.truncate` only when even one digit is too wide.
    public static func fit(_ value: Double?, width: Int) -> String {
        guard let value else { return "-" }
        guard value.isFinite else { return metric(value) }
        var text = ""
        for digits in stride(from: 4, through: 1, by: -1) {
            text = compactExponent(String(format: "%.\(digits)g", value == 0 ? 0 : value))
            if text.count <= width { return text }
        }
        return String(text.prefix(max(width, 0)))
    }

    /// `value` in scientific notation with `digits` decimals and a compact exponent
    /// ("3.52e-3", "1.00e0", "0"): for errors that span orders of magnitude, so a column of them
    /// lines up by exponent; `-` when missing.
    public static func shortScientific(_ value: Double?, digits: Int = 2) -> String {
        guard let value else { return "-" }
        guard value.isFinite else { return metric(value) }
        guard value != 0 else { return "0" }
        return compactExponent(String(format: "%.\(max(digits, 0))e", value))
    }

    /// "1.23e-05" → "1.23e-5", "1e+03" → "1e3".
    private static func compactExponent(_ text: String) -> String {
        guard let e = text.firstIndex(of: "e") else { return text }
        var exponent = text[text.index(after: e)...]
        var sign = ""
        if let first = exponent.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            exponent = exponent.dropFirst()
        }
        let digits = exponent.drop { $0 == "0" }
        return text[..<e] + "e" + sign + (digits.isEmpty ? "0" : digits)
    }
}

extension Format {
    /// `text` right-aligned in `width` columns: padded on the left, or cut to its first
    /// `width` characters when longer.
    public static func padLeft(_ text: String, to width: Int) -> String {
        let w = max(width, 0)
        if text.count >= w { return String(text.prefix(w)) }
        return String(repeating: " ", count: w - text.count) + text
    }
}
