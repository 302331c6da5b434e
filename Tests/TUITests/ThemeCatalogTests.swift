import Foundation
import Testing
@testable import TUI

@Suite("The shipped themes, heat ramps and theme cycling")
struct ThemeCatalogTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../themes").standardized

    @Test(arguments: Theme.builtIns.map(\.name))
    func shippedFileSetsEveryKeyOnceAndEqualsTheCompiledInTheme(name: String) throws {
        let path = Self.themesDirectory.appendingPathComponent("\(name).theme").path
        let parsed = try Theme.read(String(contentsOfFile: path, encoding: .utf8), fileName: path)
        #expect(parsed.unknownKeys.isEmpty)
        #expect(parsed.keys.sorted() == Theme.builtIn.keyNames.sorted())
        #expect(parsed.theme == Theme.builtIns.first { $0.name == name }?.theme)
    }

    @Test func everyShippedThemeFileIsCompiledIn() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory.path)
            .filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(".theme".count)) }
        #expect(Set(files) == Set(Theme.builtIns.map(\.name)))
        #expect(files.count >= 4)
    }

    @Test func builtInNamesResolveWithoutProblems() {
        for (name, theme) in Theme.builtIns {
            let resolved = Theme.resolve(.named(name), environment: [:])
            #expect(resolved.problem == nil)
            #expect(resolved.theme == theme, "\(name)")
        }
        #expect(ThemeChoice(argument: "light") == .named("light"))
        #expect(ThemeChoice(argument: "mine.theme") == .file("mine.theme"))
        #expect(ThemeChoice(argument: "./x") == .file("./x"))
    }

    @Test func availableNamesAddThemeFilesAfterTheBuiltIns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-names-\(getpid())")
        let themes = root.appendingPathComponent("qscope/themes")
        try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["zebra", "light", "amber"] {
            try "".write(to: themes.appendingPathComponent("\(name).theme"), atomically: true, encoding: .utf8)
        }
        let names = Theme.availableNames(environment: ["XDG_CONFIG_HOME": root.path])
        #expect(Array(names.prefix(6)) == ["default", "light", "high-contrast", "colorblind", "amber", "zebra"])
    }

    @Test func cycleStepsThroughTheNamesFromTheCurrentTheme() {
        let names = ["default", "light", "high-contrast", "colorblind"]
        var fromLight = ThemeCycle(names: names, startingAt: .named("light"))
        #expect([fromLight.advance(), fromLight.advance(), fromLight.advance()] == ["high-contrast", "colorblind", "default"])
        var fromFile = ThemeCycle(names: names, startingAt: .file("/tmp/x.theme"))
        #expect(fromFile.advance() == "default")
        var fromBuiltIn = ThemeCycle(names: names, startingAt: .builtIn)
        #expect(fromBuiltIn.advance() == "light")
    }

    /// CIELAB distance between two colours as someone with the given colour vision sees them
    /// (Machado, Oliveira and Fernandes 2009, full severity, applied in linear RGB).
    static func perceivedDistance(_ a: Color, _ b: Color, vision: [[Double]]) -> Double {
        func lab(_ color: Color) -> [Double] {
            guard case let .rgb(r, g, b) = color else { return [0, 0, 0] }
            let linear = [r, g, b].map { channel -> Double in
                let c = Double(channel) / 255
                return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
            let seen = vision.map { row in min(max(zip(row, linear).map(*).reduce(0, +), 0), 1) }
            let xyz = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
                .map { row in zip(row, seen).map(*).reduce(0, +) }
            let f = zip(xyz, [0.95047, 1, 1.08883]).map { value, white -> Double in
                let t = value / white
                return t > pow(6.0 / 29, 3) ? cbrt(t) : t / (3 * pow(6.0 / 29, 2)) + 4.0 / 29
            }
            return [116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])]
        }
        return zip(lab(a), lab(b)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    }

    static let visions: [(String, [[Double]])] = [
        ("normal", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        ("protanopia", [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]]),
        ("deuteranopia", [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                          [-0.011820, 0.042940, 0.968881]]),
    ]

    static func closestRunPair(_ theme: Theme, vision: [[Double]]) -> Double {
        var closest = Double.infinity
        for i in theme.runs.indices {
            for j in theme.runs.indices where j > i {
                closest = min(closest, perceivedDistance(theme.runs[i], theme.runs[j], vision: vision))
            }
        }
        return closest
    }

    @Test(arguments: visions.map(\.0))
    func colorBlindRunColoursStayDistinct(vision name: String) {
        let vision = Self.visions.first { $0.0 == name }!.1
        let closest = Self.closestRunPair(.colorBlind, vision: vision)
        #expect(closest >= 25, "closest run pair under \(name): ΔE \(closest)")
        // The point of the theme: clearly better than the default under colour-vision deficiency.
        if name != "normal" { #expect(closest > Self.closestRunPair(.builtIn, vision: vision) + 5) }
        // Chosen on the xterm-256 cube, so 256-colour terminals show exactly these colours.
        #expect(Theme.colorBlind.runs.allSatisfy { ColorMode.palette256.quantized($0) == $0 })
    }

    @Test(arguments: Theme.builtIns.map(\.name))
    func heatRampRunsFromLowThroughMidToHigh(name: String) {
        let theme = Theme.builtIns.first { $0.name == name }!.theme
        let palette = Palette(theme: theme, colorMode: .truecolor)
        #expect(palette.heat(0).fg == theme.heatLow)
        #expect(palette.heat(0.5).fg == theme.heatMid)
        #expect(palette.heat(1).fg == theme.heatHigh)
        #expect(palette.heat(-3) == palette.heat(0))
        #expect(palette.heat(.nan) == palette.heat(0))
        #expect(palette.heat(7) == palette.heat(1))
        #expect(palette.heat(0.25).fg == theme.heatLow.mixed(with: theme.heatMid, fraction: 0.5))
    }

    @Test func heatIsQuantizedToTheColourMode() {
        let ts = (0...200).map { Double($0) / 200 }
        let in256 = Palette(theme: .builtIn, colorMode: .palette256)
        let colours256 = Set(ts.map { in256.heat($0).fg })
        #expect(colours256.allSatisfy { ColorMode.palette256.quantized($0) == $0 })
        #expect(colours256.count >= 10)
        let in8 = Palette(theme: .colorBlind, colorMode: .basic8)
        let colours8 = Set(ts.map { in8.heat($0).fg })
        #expect(colours8.allSatisfy { ColorMode.basic8.quantized($0) == $0 })
        #expect((2...8).contains(colours8.count))
        let truecolor = Palette(theme: .builtIn, colorMode: .truecolor)
        #expect(Set(ts.map { truecolor.heat($0).fg }).count == Palette.heatSteps + 1)
    }

    @Test func heatWithoutColourUsesAttributes() {
        let mono = Palette(theme: .builtIn, colorMode: .none)
        #expect(mono.heat(0.1) == Style(dim: true))
        #expect(mono.heat(0.5) == Style())
        #expect(mono.heat(0.9) == Style(bold: true))
    }
}
