/// The colours of indexed-colour terminals, and the nearest of them to an RGB value.
///
/// Entries 0–15 are the ANSI colours as the VGA text mode (and so the Linux console, the
/// usual 8/16-colour terminal) shows them; 16–231 are the xterm 6×6×6 cube and 232–255 its
/// grey ramp, which every 256-colour terminal shares.
public enum XtermPalette {
    /// Channel values of the cube's six levels.
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    static let ansi: [(Int, Int, Int)] = [
        (0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0),
        (0, 0, 170), (170, 0, 170), (0, 170, 170), (170, 170, 170),
        (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85),
        (85, 85, 255), (255, 85, 255), (85, 255, 255), (255, 255, 255),
    ]

    /// The RGB value of palette entry `index` (0...255).
    public static func rgb(_ index: Int) -> Color {
        let (r, g, b): (Int, Int, Int)
        switch index {
        case ..<16:
            (r, g, b) = ansi[max(index, 0)]
        case 16..<232:
            let cube = index - 16
            (r, g, b) = (cubeLevels[cube / 36], cubeLevels[cube / 6 % 6], cubeLevels[cube % 6])
        default:
            let grey = 8 + 10 * (min(index, 255) - 232)
            (r, g, b) = (grey, grey, grey)
        }
        return .rgb(UInt8(r), UInt8(g), UInt8(b))
    }

    /// The nearest cube colour or grey (16...255), the way tmux's `colour_find_rgb` picks it:
    /// the nearest level per channel, unless the nearest grey is closer still.
    public static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func level(_ c: Int) -> Int { c < 48 ? 0 : c < 115 ? 1 : (c - 35) / 40 }
        let (red, green, blue) = (Int(r), Int(g), Int(b))
        let (qr, qg, qb) = (level(red), level(green), level(blue))
        let cubeIndex = 16 + 36 * qr + 6 * qg + qb
        let (cr, cg, cb) = (cubeLevels[qr], cubeLevels[qg], cubeLevels[qb])
        if (cr, cg, cb) == (red, green, blue) { return cubeIndex }
        let average = (red + green + blue) / 3
        let greyIndex = average > 238 ? 23 : max(average - 3, 0) / 10
        let grey = 8 + 10 * greyIndex
        let greyDistance = distanceSquared((grey, grey, grey), (red, green, blue))
        return greyDistance < distanceSquared((cr, cg, cb), (red, green, blue)) ? 232 + greyIndex : cubeIndex
    }

    /// The ANSI colour (of the first `count`, 8 or 16) that keeps `r g b`'s hue.
    ///
    /// Plain RGB distance would send every pastel to grey (`#5fd75f` is nearer light grey than
    /// green), and the point of a few colours is to keep runs apart. So near-greys go to the
    /// nearest grey (black and light grey; with 16 also dark grey and white); any other colour
    /// keeps the channels that stand out in its own range (at least half way from its lowest
    /// to its highest channel), then takes the nearer of that hue's normal and bright entry.
    public static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> Int {
        let channels = [Int(r), Int(g), Int(b)]
        let (low, high) = (channels.min()!, channels.max()!)
        if high - low < greyChroma {
            let average = channels.reduce(0, +) / 3
            let greys = count >= 16 ? [0, 8, 7, 15] : [0, 7]
            return greys.min { abs(grey(of: $0) - average) < abs(grey(of: $1) - average) }!
        }
        let hue = channels.enumerated().reduce(0) { bits, channel in
            2 * (channel.element - low) >= high - low ? bits | 1 << channel.offset : bits
        }
        guard count >= 16 else { return hue }
        let target = (channels[0], channels[1], channels[2])
        return distanceSquared(ansi[hue + 8], target) < distanceSquared(ansi[hue], target) ? hue + 8 : hue
    }

    /// Below this spread between the highest and lowest channel a colour counts as grey.
    static let greyChroma = 32

    private static func grey(of index: Int) -> Int { ansi[index].0 }

    private static func distanceSquared(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
        return dr * dr + dg * dg + db * db
    }
}
