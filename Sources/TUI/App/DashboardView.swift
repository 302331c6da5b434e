import Core
import Study

/// Builds whole dashboard frames from run snapshots: a pure function of its inputs, so every
/// frame can be snapshot-tested without a terminal.
///
/// Layout: the title bar with the view tabs; the current view's body, with the new-run form
/// and the `?` help on top when open; the status line (state, prompts, notices, busy runs);
/// the help bar of the keys that work right now.
public struct DashboardView: Sendable {
    public var palette: Palette
    public var glyphs: GlyphSet
    public var colorMode: ColorMode
    public var keyMap: KeyMap
    public var minimumSize: Size
    /// The machine's matrix kernels and their measured peak, e.g.
    /// `BLAS Cooperlake 97 GF/s, bf16 AVX512-BF16`, shown at the right of the status line; nil
    /// shows nothing.
    public var machine: String?

    public init(theme: Theme = .builtIn, glyphs: GlyphSet, colorMode: ColorMode,
                keyMap: KeyMap = .dashboard, minimumSize: Size = Size(width: 60, height: 16)) {
        palette = Palette(theme: theme, colorMode: colorMode)
        self.glyphs = glyphs
        self.colorMode = colorMode
        self.keyMap = keyMap
        self.minimumSize = minimumSize
    }

    /// The frame for `snapshots` (and the followed study's `study`, if any; what the Quantize
    /// worker found, `quantize`) at `size`.
    public func render(snapshots: [RunSnapshot], size: Size, state: DashboardState, study: StudyStatus? = nil,
                       quantize: QuantizeStatus = QuantizeStatus()) -> CellBuffer {
        var buffer = CellBuffer(size: size, filling: Cell(" ", style: palette.text))
        let screen = Rect(size: size)
        guard size.width >= minimumSize.width, size.height >= minimumSize.height else {
            TooSmallScreen(have: size, need: minimumSize, glyphs: glyphs, style: palette.text,
                           emphasis: palette.warn).render(into: &buffer, area: screen)
            return buffer
        }
        let runs = snapshots.sorted { $0.id < $1.id }
        let (titleRow, rest) = screen.splitTop(1)
        let (body, bars) = rest.splitBottom(2)
        let bar = palette.statusBar
        TitleBar(title: "qscope", summary: summary(runs), style: bar,
                 tabs: state.pages.map { "\($0.rawValue) \($0.title)" }, activeTab: state.pages.firstIndex(of: state.page) ?? 0,
                 activeStyle: Style(fg: bar.fg, bg: bar.bg, bold: true, reverse: !bar.reverse))
            .render(into: &buffer, area: titleRow)
        self.body(of: state.page, runs: runs, state: state, study: study, quantize: quantize)
            .render(into: &buffer, area: body)
        if let form = state.form {
            RunFormView(form: form, glyphs: glyphs, palette: palette).render(into: &buffer, area: body)
        }
        if state.showHelp {
            HelpOverlay(bindings: keyMap.bindings, notes: [], glyphs: glyphs, palette: palette,
                        leading: KeyMap.activeSections(state))
                .render(into: &buffer, area: body)
        }
        statusLine(runs, state: state).render(into: &buffer, area: bars.splitTop(1).top)
        KeyHelpBar(bindings: keyMap.activeBindings(state), keyStyle: palette.highlight, textStyle: palette.dim)
            .render(into: &buffer, area: bars.splitTop(1).rest)
        return buffer
    }

    /// The current view's data, for export.
    public func exportTable(snapshots: [RunSnapshot], state: DashboardState, study: StudyStatus? = nil,
                            quantize: QuantizeStatus = QuantizeStatus()) -> ExportTable {
        body(of: state.page, runs: snapshots.sorted { $0.id < $1.id }, state: state, study: study, quantize: quantize)
            .exportTable
    }

    private func summary(_ runs: [RunSnapshot]) -> String {
        let separator = glyphs.separator
        switch runs.count {
        case 0:
            return "waiting for runs"
        case 1:
            let run = runs[0]
            return [run.name, "model \(run.model)", "\(Format.count(Double(run.parameterCount))) params"]
                .joined(separator: separator)
        default:
            let models = Set(runs.map(\.model)).sorted().joined(separator: ", ")
            return ["\(runs.count) runs", "model \(models)"].joined(separator: separator)
        }
    }

    private func statusLine(_ runs: [RunSnapshot], state: DashboardState) -> StatusLine {
        let right = [machine, glyphs.rawValue, colorMode.label].compactMap { $0 }.joined(separator: glyphs.separator)
        if let confirm = state.confirm {
            return StatusLine(left: confirm.prompt, right: right, style: palette.statusBar,
                              leftStyle: palette.statusBar.bolded())
        }
        var parts: [String] = []
        var leftStyle: Style?
        if state.pauseRequested {
            parts.append("paused (p resumes)")
            leftStyle = palette.statusBar.bolded()
        } else if runs.isEmpty {
            parts.append("waiting for runs")
        } else {
            var counts: [RunStatus: Int] = [:]
            for run in runs { counts[run.status, default: 0] += 1 }
            let statuses = RunStatus.allCases.filter { counts[$0] != nil }
            parts.append(statuses.count == 1 && runs.count == 1 ? statuses[0].rawValue
                         : statuses.map { "\(counts[$0]!) \($0.rawValue)" }.joined(separator: ", "))
        }
        for run in runs {
            if let activity = run.activity {
                parts.append("\(Spinner.glyph(state.animationFrame, glyphs: glyphs)) \(activity) \(run.name)")
            }
        }
        if let notice = state.notice { parts.append(notice) }
        return StatusLine(left: parts.joined(separator: glyphs.separator), right: right,
                          style: palette.statusBar, leftStyle: leftStyle)
    }
}
