import Foundation

/// Number formatting shared by widgets, fixed-width where columns need to line up.
///
/// Uses `String(format:)`, which formats in the POSIX locale, so frames (and snapshot files)
/// read the same whatever the user's locale.
public enum Format {
    /// A loss or similar metric: four decimals, scientific when very large or small, `-` when
    /// missing, `nan`/`inf` spelled out so a diverged run is obvious.
    public static func metric(_ value: Double?) -> String {
        guard let value else { return "-" }
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 10_000 || magnitude < 0.001) {
            return String(format: "%.3e", value)
        }
        return String(format: "%.4f", value)
    }

    /// An axis tick: four significant digits, no trailing zeros.
    public static func tick(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        return String(format: "%.4g", value == 0 ? 0 : value)  // avoids printing "-0"
    }

    /// A learning rate: always scientific, two decimals.
    public static func scientific(_ value: Double) -> String {
        String(format: "%.2e", value)
    }

    /// A large count with a K/M/G suffix (12345 → "12.3K").
    public static func count(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let magnitude = abs(value)
        for (suffix, scale) in [("G", 1e9), ("M", 1e6), ("K", 1e3)] where magnitude >= scale {
            return String(format: "%.1f", value / scale) + suffix
        }
        return String(format: "%.0f", value)
    }

    /// A step number: exact below 100000, else compact (123456 → "123.5K").
    public static func step(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return abs(value) < 100_000 ? String(format: "%.0f", value) : count(value)
    }

    /// Wall time as h:mm:ss.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        let total = Int(seconds)
        return String(format: "%d:%02d:%02d", total / 3600, (total / 60) % 60, total % 60)
    }

    /// Bytes with a binary suffix (2411724 → "2.3 MiB").
    public static func bytes(_ count: Int) -> String {
        let value = Double(count)
        for (suffix, scale) in [("GiB", 1073741824.0), ("MiB", 1048576.0), ("KiB", 1024.0)]
        where value >= scale {
            return String(format: "%.1f ", value / scale) + suffix
        }
        return "\(count) B"
    }

    /// `text` cut to `width` columns, ending in `…` (or `~` in ASCII) when it was cut.
    public static func truncate(_ text: String, to width: Int, ascii: Bool = false) -> String {
        guard width > 0 else { return "" }
        guard text.count > width else { return text }
        return String(text.prefix(width - 1)) + (ascii ? "~" : "…")
    }

    /// `text` padded with spaces (or cut) to exactly `width` columns.
    public static func pad(_ text: String, to width: Int) -> String {
        let w = max(width, 0)
        if text.count >= w { return String(text.prefix(w)) }
        return text + String(repeating: " ", count: w - text.count)
    }

    /// Splits `text` into lines of at most `width` columns at spaces, hard-cutting words that
    /// are longer than a line.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            var word = String(word)
            while word.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(word.prefix(width)))
                word = String(word.dropFirst(width))
            }
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
