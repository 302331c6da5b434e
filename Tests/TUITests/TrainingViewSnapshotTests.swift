import Core
import Testing
@testable import TUI

/// The views as whole frames, six runs at the two sizes the issue names.
@Suite("View snapshots")
struct TrainingViewSnapshotTests {
    static let raw = ChartSettings(smoothingEnabled: false)

    @Test(arguments: [(80, 24), (200, 60)])
    func trainingSmoothed(width: Int, height: Int) {
        let frame = Fixtures.frame(Fixtures.six, DashboardState(selectedRun: 1), width: width, height: height)
        assertSnapshot(frame.snapshotDump, named: "training-smoothed-\(width)x\(height)")
        #expect(frame.text.contains("loss\(GlyphSet.braille.separator)smoothing 0.6"))
        #expect(frame.text.contains("quest w4a4"))
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func trainingRaw(width: Int, height: Int) {
        let frame = Fixtures.frame(Fixtures.six, DashboardState(selectedRun: 1, chart: Self.raw), width: width,
                                   height: height)
        assertSnapshot(frame.snapshotDump, named: "training-raw-\(width)x\(height)")
        #expect(frame.text.contains("loss\(GlyphSet.braille.separator)raw"))
    }

    /// Smoothing adds the faded raw curves behind the smoothed ones, and flattens the wiggle.
    @Test func smoothingChangesTheCurves() {
        let smoothed = Fixtures.frame(Fixtures.single, DashboardState())
        let raw = Fixtures.frame(Fixtures.single, DashboardState(chart: Self.raw))
        #expect(smoothed.text != raw.text)
        let fadedColors = Set(smoothed.cells.map(\.style.fg)).subtracting(raw.cells.map(\.style.fg))
        #expect(!fadedColors.isEmpty)
    }

    @Test func trainingLogY() {
        let state = DashboardState(chart: ChartSettings(logY: true))
        let frame = Fixtures.frame(Fixtures.six, state)
        assertSnapshot(frame.snapshotDump, named: "training-log-y-80x24")
        #expect(frame.row(1).contains("log y"))
    }

    @Test func trainingZoomedOnTokens() {
        var state = DashboardState(chart: ChartSettings(xAxis: .tokens))
        _ = state.apply(.zoomIn)
        _ = state.apply(.panRight)
        let frame = Fixtures.frame(Fixtures.six, state, width: 100, height: 30)
        assertSnapshot(frame.text + "\n", named: "training-zoom-tokens-100x30")
        #expect(frame.text.contains("zoom 2×") && frame.text.contains("tokens"))
    }

    /// Sorted by val loss, highest first: the arrow marks the column, the selected row stays
    /// highlighted wherever it lands.
    @Test func trainingSorted() {
        let state = DashboardState(selectedRun: 4, sort: RunSort(key: .valLoss, reversed: true))
        let frame = Fixtures.frame(Fixtures.six, state)
        assertSnapshot(frame.snapshotDump, named: "training-sorted-80x24")
        #expect(frame.text.contains("val▴"))
        #expect(frame.text.contains("sort val reversed"))
        let rows = (0..<frame.height).map(frame.row).drop { !$0.contains(" #  ") }
        let tableNames = rows.compactMap { row in Fixtures.six.map(\.name).first { row.contains("━━ \($0)") } }
        let expected = RunSort(key: .valLoss, reversed: true).order(Fixtures.six).map(\.name)
        #expect(Array(expected.prefix(tableNames.count)) == tableNames)
    }

    @Test func trainingAscii() {
        let frame = Fixtures.frame(Fixtures.six, DashboardState(selectedRun: 2), glyphs: .ascii)
        assertSnapshot(frame.text + "\n", named: "training-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
    }

    @Test func newRunForm() {
        let state = DashboardState(form: RunForm(optimizer: .soap, learningRate: "2e-3", qat: .ste,
                                                 field: .learningRate))
        let frame = Fixtures.frame(Fixtures.six, state)
        assertSnapshot(frame.snapshotDump, named: "form-80x24")
        #expect(frame.text.contains("new run") && frame.text.contains("2e-3_") && frame.text.contains("‹ ste ›"))
        #expect(frame.row(23).contains("Enter/Esc start/cancel"))
    }

    @Test func confirmPrompt() {
        let frame = Fixtures.frame(Fixtures.six, DashboardState(confirm: .stop(runID: 2, name: "shampoo/tiny")))
        assertSnapshot(frame.snapshotDump, named: "confirm-80x24")
        #expect(frame.row(22).hasPrefix(" stop shampoo/tiny? y/n"))
        #expect(frame.row(23).contains("y/n yes / no"))
    }

    /// At 200×60 the Help view lists every key; at 80×24 it says how many do not fit (every
    /// view's keys are on the `?` overlay over that view, below).
    @Test(arguments: [(80, 24), (200, 60)])
    func helpView(width: Int, height: Int) {
        let frame = Fixtures.frame(Fixtures.six, DashboardState(page: .help), width: width, height: height)
        assertSnapshot(frame.text + "\n", named: "help-view-\(width)x\(height)")
        guard width >= 200 else {
            #expect(frame.text.contains("more keys in a larger window"))
            return
        }
        for binding in KeyMap.dashboard.bindings {
            #expect(frame.text.contains(binding.keyLabel + "  "), "\(binding.keyLabel) missing")
            #expect(frame.text.contains(binding.description), "\(binding.description) missing")
        }
        for section in KeySection.allCases { #expect(frame.text.contains(section.rawValue)) }
    }

    /// Below 80×24 the help cannot list everything: it says how much is left out.
    @Test func helpSaysWhatDoesNotFit() {
        let small = Fixtures.frame(Fixtures.six, DashboardState(page: .help), width: 60, height: 16)
        #expect(small.text.contains("more keys in a larger window"))
        #expect(small.text.contains("restart run"))  // a second column, its descriptions cut short
        // The overlay lists the keys of the view it is over first, so at 80×24 they all show.
        for page in [DashboardPage.training, .layers, .quantize] {
            let state = DashboardState(page: page, showHelp: true)
            let overlay = Fixtures.frame(Fixtures.six, state)
            for binding in KeyMap.dashboard.activeBindings(state) {
                #expect(overlay.text.contains(binding.description), "\(page): \(binding.description) missing")
            }
        }
    }

    /// The study's pages inside the whole dashboard frame, with measured runs.
    @Test func pageViews() {
        for page in [DashboardPage.layers, .propagation, .compare] {
            let frame = Fixtures.frame(PageFixtures.runs, DashboardState(page: page))
            assertSnapshot(frame.text + "\n", named: "dashboard-\(page.title.lowercased())-80x24")
            #expect(frame.row(1).lowercased().contains(page.title.lowercased()))
        }
    }

    /// The active tab is drawn differently from the others, in every view.
    @Test func tabStripMarksTheActiveView() {
        for page in DashboardPage.standard {
            let frame = Fixtures.frame(Fixtures.six, DashboardState(page: page))
            let label = "\(page.rawValue) \(page.title)"
            let start = frame.row(0).range(of: label).map { frame.row(0).distance(from: frame.row(0).startIndex,
                                                                                  to: $0.lowerBound) }
            #expect(start != nil)
            let active = frame[start!, 0].style
            #expect(active.reverse != Fixtures.view().palette.statusBar.reverse)
        }
    }

    @Test func busyRunSpins() {
        let first = Fixtures.frame(Fixtures.six, DashboardState(animationFrame: 0))
        let next = Fixtures.frame(Fixtures.six, DashboardState(animationFrame: 1))
        #expect(first.row(22).contains("⠋ measuring shampoo/tiny"))
        #expect(next.row(22).contains("⠙ measuring shampoo/tiny"))
        #expect(first.text.contains("running ⠋"))
    }
}
