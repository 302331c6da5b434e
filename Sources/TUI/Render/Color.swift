import Foundation

/// A colour as a theme states it: a 24-bit RGB value, or the terminal's own default.
///
/// Widgets always speak RGB; the backend quantizes to whatever the terminal can show
/// (`ColorMode`), so a theme reads the same on every terminal, only coarser.
public enum Color: Hashable, Sendable {
    /// The terminal's default foreground or background (transparent for backgrounds).
    case `default`
    case rgb(UInt8, UInt8, UInt8)

    /// Parses `#RRGGBB`, `#BW` (a two-digit grey) or `R G B` decimals; an empty string is
    /// `.default`. Returns nil for anything else.
    public init?(themeValue: String) {
        let text = themeValue.trimmingCharacters(in: .whitespaces)
        if text.isEmpty {
            self = .default
            return
        }
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.allSatisfy(\.isHexDigit), let value = UInt32(hex, radix: 16) else { return nil }
            switch hex.count {
            case 6:
                self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
            case 2:
                self = .rgb(UInt8(value), UInt8(value), UInt8(value))
            default:
                return nil
            }
            return
        }
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3 else { return nil }
        let channels = parts.compactMap { UInt8($0) }
        guard channels.count == 3 else { return nil }
        self = .rgb(channels[0], channels[1], channels[2])
    }

    /// `#rrggbb`, or `default`: the spelling used in snapshot style dumps.
    public var hexDescription: String {
        switch self {
        case .default:
            return "default"
        case let .rgb(r, g, b):
            return "#" + [r, g, b].map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
        }
    }

    /// This colour moved `fraction` (0...1) of the way towards `other`; `.default` on either
    /// side leaves `self` unchanged, since there is no RGB to blend with.
    public func mixed(with other: Color, fraction: Double) -> Color {
        guard case let .rgb(r1, g1, b1) = self, case let .rgb(r2, g2, b2) = other else { return self }
        let t = min(max(fraction, 0), 1)
        func blend(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded())
        }
        return .rgb(blend(r1, r2), blend(g1, g2), blend(b1, b2))
    }
}
