import Core
import Foundation
import Testing
@testable import TUI

@Suite("Theme files")
struct ThemeTests {
    @Test func validFileOverridesOnlyItsKeys() throws {
        let text = """
            # a comment

            main_bg = ""
            title = "#102030"   # trailing comment
            run3 = "#0a0B0c"
            theme[border]="#7f"
            axis = "1 2 3"
            """
        let theme = try Theme.parse(text, fileName: "t.theme")
        #expect(theme.title == .rgb(0x10, 0x20, 0x30))
        #expect(theme.runs[2] == .rgb(0x0a, 0x0b, 0x0c))
        #expect(theme.border == .rgb(0x7f, 0x7f, 0x7f))
        #expect(theme.axis == .rgb(1, 2, 3))
        #expect(theme.mainBg == .default)
        #expect(theme.warn == Theme.builtIn.warn)
    }

    @Test func unknownKeysAreIgnored() throws {
        let text = """
            cpu_start = "#ffffff"
            run7 = "not a colour either"
            future_gradient_mid = ""
            """
        let parsed = try Theme.read(text, fileName: "t.theme")
        #expect(parsed.theme == Theme.builtIn)
        #expect(parsed.unknownKeys == ["cpu_start", "run7", "future_gradient_mid"])
        #expect(parsed.keys.isEmpty)
    }

    @Test(arguments: [
        ("title = #ffffff", 2, "expected key = \"#RRGGBB\", got `title = #ffffff`"),
        ("run1 = \"#12345\"", 2, "`run1` has an invalid colour \"#12345\""),
        ("warn = \"300 0 0\"", 2, "`warn` has an invalid colour"),
        ("title \"#ffffff\"", 2, "expected key = \"#RRGGBB\", got `title \"#ffffff\"`"),
        ("crit = \"#ff0000\" trailing", 2, "expected key = \"#RRGGBB\""),
    ])
    func malformedLineNamesFileAndLine(line: String, number: Int, message: String) {
        let text = "# header\n\(line)\nmain_fg = \"\"\n"
        do {
            _ = try Theme.parse(text, fileName: "bad.theme")
            Issue.record("parsed a malformed theme")
        } catch let error as QScopeError {
            guard case .badInput(let description) = error else {
                Issue.record("expected badInput, got \(error)")
                return
            }
            #expect(description.hasPrefix("bad.theme:\(number): "))
            #expect(description.contains(message))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func brokenOrMissingThemeFallsBackToTheBuiltIn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-theme-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.theme")
        try "title = \"#zzzzzz\"\n".write(to: broken, atomically: true, encoding: .utf8)

        let fromFile = Theme.resolve(.file(broken.path), environment: [:])
        #expect(fromFile.theme == .builtIn)
        #expect(fromFile.problem?.contains("broken.theme:1:") == true)

        let missing = Theme.resolve(.named("nope"), environment: ["XDG_CONFIG_HOME": directory.path])
        #expect(missing.theme == .builtIn)
        #expect(missing.problem?.hasPrefix("no theme named `nope` (available: default, light, high-contrast, "
            + "colorblind") == true)
        #expect(missing.problem?.hasSuffix("; using the default theme") == true)

        #expect(Theme.resolve(.named("default"), environment: ["HOME": directory.path]).problem == nil)
    }

    @Test func namedThemeIsFoundInTheConfigDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-xdg-\(getpid())")
        let themes = root.appendingPathComponent("qscope/themes")
        try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "title = \"#010203\"\n".write(to: themes.appendingPathComponent("mine.theme"), atomically: true,
                                          encoding: .utf8)
        let resolved = Theme.resolve(.named("mine"), environment: ["XDG_CONFIG_HOME": root.path])
        #expect(resolved.problem == nil)
        #expect(resolved.theme.title == .rgb(1, 2, 3))
    }
}

extension ThemeTests {
    /// Windows line endings separate lines (in Swift "\r\n" is one Character, so splitting on
    /// "\n" alone read such a file as one line), and an oversized file is refused.
    @Test func crlfFilesAndOversizedFiles() throws {
        let theme = try Theme.parse("main_bg = \"#102030\"\r\nmain_fg = \"#405060\"\r\n", fileName: "crlf.theme")
        #expect(theme == (try Theme.parse("main_bg = \"#102030\"\nmain_fg = \"#405060\"\n", fileName: "lf.theme")))
        #expect(theme != Theme.builtIn)
        let path = NSTemporaryDirectory() + "qscope-big-\(UUID().uuidString).theme"
        try String(repeating: "# padding\n", count: 10_000).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: QScopeError.self) { try Theme.load(path: path) }
    }
}
