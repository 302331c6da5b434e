import Core
import Foundation

/// Byte-level mutations that find parser bugs: flips, cuts, duplications, and splices of
/// values that break naive code (huge, negative, non-finite numbers, deep nesting, NULs).
public enum Fuzz {
    public static let splices = ["-1", "1e308", "-1e308", "nan", "inf", "9223372036854775807", "-9223372036854775808",
                                 "0", "\"\"", "[]", "{}", "[[[[[[[[[[[[1]]]]]]]]]]]]", "\u{0}", "\"\\u0000\"", "1.5",
                                 String(repeating: "9", count: 400), "true", "null", "\r\n", "../../x", "="]

    /// One to three mutations of `seed`, drawn from `rng` (the same cases for the same seed).
    public static func mutate(_ seed: Data, using rng: inout RNG) -> Data {
        var bytes = [UInt8](seed)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
            case 2: bytes = Array(bytes[..<at])
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 8)], at: at)
            default:
                let splice = splices[Int.random(in: 0..<splices.count, using: &rng)]
                bytes.replaceSubrange(at..<min(bytes.count, at + Int.random(in: 0...4, using: &rng)), with: Array(splice.utf8))
            }
        }
        return Data(bytes)
    }
}
