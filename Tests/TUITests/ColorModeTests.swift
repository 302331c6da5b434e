import Testing
@testable import TUI

@Suite("Colour modes and quantization")
struct ColorModeTests {
    @Test(arguments: [
        (Color.rgb(255, 0, 0), 196),      // exactly on the cube
        (.rgb(0, 175, 255), 39),
        (.rgb(0x5f, 0x87, 0xaf), 67),
        (.rgb(0, 0, 0), 16),
        (.rgb(255, 255, 255), 231),
        (.rgb(128, 128, 128), 244),       // exactly on the grey ramp
        (.rgb(0x30, 0x30, 0x30), 236),
        (.rgb(10, 10, 10), 232),
        (.rgb(0x80, 0x80, 0x7e), 244),    // a near-grey: the ramp is closer than the cube
        (.rgb(40, 60, 250), 27),          // 40 and 60 round to the cube's 0 and 95, not btop's 51 steps
        (.rgb(0xbc, 0x37, 0x54), 131),
    ])
    func palette256TakesTheNearestCubeColourOrGrey(color: Color, index: Int) {
        #expect(ColorMode.palette256.terminalColor(for: color) == Int32(index))
    }

    @Test func palette256IsTheNearestEntryForRandomColours() {
        var generator = SplitMix64(seed: 7)
        func distance(_ a: Color, _ b: (Int, Int, Int)) -> Int {
            guard case let .rgb(r, g, b2) = a else { return .max }
            let (dr, dg, db) = (Int(r) - b.0, Int(g) - b.1, Int(b2) - b.2)
            return dr * dr + dg * dg + db * db
        }
        for _ in 0..<2000 {
            let target = (Int.random(in: 0...255, using: &generator), Int.random(in: 0...255, using: &generator),
                          Int.random(in: 0...255, using: &generator))
            let chosen = XtermPalette.nearest256(UInt8(target.0), UInt8(target.1), UInt8(target.2))
            let best = (16...255).map { distance(XtermPalette.rgb($0), target) }.min()!
            // The grey candidate comes from the truncated channel average: allow that rounding.
            #expect(distance(XtermPalette.rgb(chosen), target) <= best + 3 * 3, "\(target) -> \(chosen)")
        }
    }

    @Test(arguments: [
        (Color.rgb(255, 135, 0), 3, 3),   // orange: the console's brown/yellow
        (.rgb(255, 215, 0), 3, 11),       // gold: bright yellow where there is one
        (.rgb(0, 175, 255), 6, 6),        // sky blue: cyan
        (.rgb(255, 0, 0), 1, 1),
        (.rgb(0x5f, 0xd7, 0x5f), 2, 10),  // pastels keep their hue instead of turning grey
        (.rgb(0xd7, 0x5f, 0xd7), 5, 13),
        (.rgb(0xff, 0x5f, 0x87), 1, 9),
        (.rgb(0xd7, 0xaf, 0xd7), 5, 13),
        (.rgb(0x6c, 0x6c, 0x6c), 7, 8),   // mid grey: light grey of 8, dark grey of 16
        (.rgb(0x30, 0x30, 0x30), 0, 8),
        (.rgb(0x1c, 0x1c, 0x1c), 0, 0),
        (.rgb(255, 255, 255), 7, 15),
        (.rgb(0, 0, 0), 0, 0),
    ])
    func ansiModesKeepTheHue(color: Color, eight: Int, sixteen: Int) {
        #expect(ColorMode.basic8.terminalColor(for: color) == Int32(eight))
        #expect(ColorMode.basic16.terminalColor(for: color) == Int32(sixteen))
    }

    @Test func defaultRunColoursStayApartInEightColours() {
        let indices = Theme.builtIn.runs.map { ColorMode.basic8.terminalColor(for: $0) }
        #expect(Set(indices).count >= 5, "\(indices)")
        #expect(!indices.contains(0) && !indices.contains(7))
    }

    @Test func truecolorPacksRGBAndKeepsNearBlackOutOfTheANSIRange() {
        #expect(ColorMode.truecolor.terminalColor(for: .rgb(1, 2, 3)) == 0x010203)
        #expect(ColorMode.truecolor.terminalColor(for: .rgb(0, 0, 4)) == 8)
        #expect(ColorMode.truecolor.terminalColor(for: .rgb(0, 0, 0)) == 8)
        #expect(ColorMode.none.terminalColor(for: .rgb(1, 2, 3)) == -1)
        #expect(ColorMode.palette256.terminalColor(for: .default) == -1)
    }

    @Test func quantizedIsTheColourTheTerminalWillShow() {
        #expect(ColorMode.palette256.quantized(.rgb(250, 1, 2)) == .rgb(255, 0, 0))
        #expect(ColorMode.palette256.quantized(.rgb(129, 127, 128)) == .rgb(128, 128, 128))
        #expect(ColorMode.basic8.quantized(.rgb(255, 135, 0)) == .rgb(170, 85, 0))
        #expect(ColorMode.basic16.quantized(.rgb(250, 250, 250)) == .rgb(255, 255, 255))
        #expect(ColorMode.truecolor.quantized(.rgb(1, 2, 3)) == .rgb(1, 2, 3))
        #expect(ColorMode.none.quantized(.rgb(1, 2, 3)) == .default)
        #expect(ColorMode.basic8.quantized(.default) == .default)
        for index in 0..<256 {
            let mode: ColorMode = index < 16 ? .basic16 : .palette256
            #expect(mode.quantized(XtermPalette.rgb(index)) == XtermPalette.rgb(index), "entry \(index)")
        }
    }

    @Test func detectionFollowsTheColourCountAndHonoursNoColor() {
        #expect(ColorMode.detect(colorCount: 1 << 24, environment: [:]) == .truecolor)
        #expect(ColorMode.detect(colorCount: 256, environment: [:]) == .palette256)
        #expect(ColorMode.detect(colorCount: 88, environment: [:]) == .basic16)
        #expect(ColorMode.detect(colorCount: 16, environment: [:]) == .basic16)
        #expect(ColorMode.detect(colorCount: 8, environment: [:]) == .basic8)
        #expect(ColorMode.detect(colorCount: 0, environment: [:]) == .none)
        #expect(ColorMode.detect(colorCount: 256, environment: ["NO_COLOR": "1"]) == .none)
        #expect(ColorMode.detect(colorCount: 1 << 24, environment: ["NO_COLOR": "yes please"]) == .none)
        #expect(ColorMode.detect(colorCount: 256, environment: ["NO_COLOR": ""]) == .palette256)
        #expect(ColorMode.none.limited(to: .palette256) == .none)
        #expect(ColorMode.truecolor.limited(to: .palette256) == .palette256)
        #expect(ColorMode.palette256.limited(to: .basic16) == .basic16)
        #expect(ColorMode.basic8.limited(to: .basic16) == .basic8)
    }

    @Test func colortermPicksTheDirectColourTerminfoEntryWhenThereIsOne() {
        let known: Set = ["xterm-direct", "tmux-direct"]
        func preferred(_ environment: [String: String]) -> String? {
            TerminalType.preferred(environment: environment) { known.contains($0) }
        }
        #expect(preferred(["TERM": "xterm-256color", "COLORTERM": "truecolor"]) == "xterm-direct")
        #expect(preferred(["TERM": "tmux-256color", "COLORTERM": "24bit"]) == "tmux-direct")
        #expect(preferred(["TERM": "xterm", "COLORTERM": "TrueColor"]) == "xterm-direct")
        #expect(preferred(["TERM": "screen-256color", "COLORTERM": "truecolor"]) == nil)
        #expect(preferred(["TERM": "xterm-256color"]) == nil)
        #expect(preferred(["TERM": "xterm-256color", "COLORTERM": "yes"]) == nil)
        #expect(preferred(["TERM": "xterm-direct", "COLORTERM": "truecolor"]) == nil)
        #expect(preferred(["COLORTERM": "truecolor"]) == nil)
    }

    @Test func noColorMakesTheWholeDashboardMonochrome() {
        let mode = ColorMode.detect(colorCount: 256, environment: ["NO_COLOR": "1"])
        let frame = Fixtures.view(colorMode: mode).render(snapshots: Fixtures.several, size: Size(width: 100, height: 30),
                                                          state: DashboardState())
        #expect(frame.cells.allSatisfy { $0.style.fg == .default && $0.style.bg == .default })
        // The title bar is reverse video, except the active tab, which stands out by not being.
        #expect(frame.cells.prefix(100).filter { $0.style.reverse }.count > 80)
        #expect(frame.text.contains("no colour"))
    }

    @Test(arguments: [("UTF-8", GlyphSet.braille), ("utf8", .braille), ("UTF8", .braille),
                      ("ANSI_X3.4-1968", .ascii), ("ISO-8859-1", .ascii), ("", .ascii)])
    func localeCodesetChoosesTheGlyphs(codeset: String, glyphs: GlyphSet) {
        #expect(GlyphSet(codeset: codeset) == glyphs)
    }
}
