import CNcursesw
import Core
#if canImport(Glibc)
import Glibc
#endif

/// The real terminal, through ncursesw: the only file that imports the C module.
///
/// Not thread-safe (ncurses is not): create, use and close it on the UI thread only. It
/// keeps the last frame and writes only cells that changed, then lets `doupdate` send the
/// minimal output. Resizes arrive as `KEY_RESIZE` from ncurses' own SIGWINCH handler, so
/// nothing here (or anywhere in qscope) may install a SIGWINCH handler.
public final class NcursesBackend: TerminalBackend {
    private var screen: OpaquePointer?
    private var window: UnsafeMutablePointer<WINDOW>? { shim_stdscr() }
    private var previous: CellBuffer?
    private var pairs: [ColorPairKey: Int32] = [:]
    /// False when the terminal cannot use -1 as "default colour" (then white on black stands in).
    private var defaultColorsWork = false
    /// The /dev/null streams of a headless backend, closed with it.
    private var ownedFiles: [UnsafeMutablePointer<FILE>] = []

    /// How theme colours are quantized; set it to what `ColorMode.detect` says for
    /// `colorCount` (or a lower mode the user asked for).
    public var colorMode: ColorMode = .none

    private struct ColorPairKey: Hashable {
        var fg: Int32
        var bg: Int32
    }

    /// Takes over the terminal on stdin/stdout; `environment` supplies `TERM` for messages
    /// and `COLORTERM` for 24-bit colour (see `TerminalType.preferred`).
    ///
    /// Uses `newterm`, not `initscr`, because `initscr` exits the process on an unknown
    /// `TERM`; here that becomes an error the CLI can report.
    /// Throws `badInput` when stdin or stdout is not a terminal (piped, redirected, CI).
    public convenience init(environment: [String: String]) throws {
        try Self.requireTerminal(environment: environment)
        let type = TerminalType.preferred(environment: environment) { shim_terminal_known($0) == 1 }
        try self.init(terminalType: type, output: shim_stdout(), input: shim_stdin(),
                      termDescription: environment["TERM"] ?? "unset")
    }

    /// Throws `badInput` unless stdin and stdout are both terminals (curses output piped to
    /// a file is garbage, and keys cannot be read from a pipe) and terminfo knows `$TERM`.
    public static func requireTerminal(environment: [String: String]) throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw QScopeError.badInput("qscope's dashboard needs a terminal; run it in one, "
                + "or use `qscope train --headless`")
        }
        guard shim_terminal_known(environment["TERM"]) == 1 else {
            throw unknownTerminal(environment["TERM"] ?? "unset")
        }
        // terminfo knows `dumb`, but it cannot move the cursor: only the last line would show.
        guard environment["TERM"] != "dumb" else {
            throw QScopeError.badInput("TERM=dumb cannot draw the dashboard (no cursor movement); "
                + "run it in a terminal such as xterm-256color, or use `qscope train --headless`")
        }
    }

    private static func unknownTerminal(_ description: String) -> QScopeError {
        .badInput("cannot open the terminal (TERM=\(description)): ncurses knows no such terminal type; "
            + "try TERM=xterm-256color")
    }

    /// A backend on /dev/null for tests: real ncurses drawing, no terminal needed.
    convenience init(headless size: Size, terminalType: String = "xterm-256color") throws {
        guard let output = fopen("/dev/null", "w"), let input = fopen("/dev/null", "r") else {
            throw QScopeError.runtime("cannot open /dev/null")
        }
        try self.init(terminalType: terminalType, output: output, input: input,
                      termDescription: terminalType)
        ownedFiles = [output, input]
        resizeterm(Int32(size.height), Int32(size.width))
    }

    private init(terminalType: String?, output: UnsafeMutablePointer<FILE>?,
                 input: UnsafeMutablePointer<FILE>?, termDescription: String) throws {
        // Before newterm: the C library starts in the "C" locale, where ncursesw prints
        // braille and box lines as blanks.
        setlocale(LC_ALL, "")
        screen = newterm(terminalType, output, input)
        guard screen != nil else { throw Self.unknownTerminal(termDescription) }
        set_escdelay(25)  // Esc closes the help at once instead of after a second
        // Press and release reported as they happen: a click interval would delay every click.
        mouseinterval(0)
        mousemask(mmask_t(CursesCodes.reportedButtons), nil)
        cbreak()
        noecho()
        keypad(window, true)
        leaveok(window, true)
        curs_set(0)
        if has_colors() && start_color() == OK {
            defaultColorsWork = use_default_colors() == OK
        }
    }

    /// Restores the terminal; safe to call more than once.
    public func close() {
        guard let screen else { return }
        endwin()
        delscreen(screen)
        self.screen = nil
        for file in ownedFiles { fclose(file) }
        ownedFiles = []
    }

    deinit { close() }

    public var size: Size { Size(width: Int(shim_cols()), height: Int(shim_lines())) }

    public var colorCount: Int { has_colors() ? Int(shim_colors()) : 0 }

    public func present(_ frame: CellBuffer) {
        for change in frame.diff(against: previous) {
            draw(change.cell, x: change.x, y: change.y)
        }
        previous = frame
        wnoutrefresh(window)
        doupdate()
    }

    public func poll(timeoutMs: Int32) -> InputEvent? {
        wtimeout(window, timeoutMs)
        var character: wint_t = 0
        let raw: CursesInput
        switch wget_wch(window, &character) {
        case OK:
            raw = .character(UInt32(character))
        case shim_key_code_yes() where Int32(character) == shim_key_mouse():
            var mouse = MEVENT()
            guard getmouse(&mouse) == OK else { return nil }
            raw = .mouse(x: mouse.x, y: mouse.y, buttons: UInt(mouse.bstate))
        case shim_key_code_yes():
            raw = .keyCode(Int32(character))
        default:
            return nil  // ERR: the timeout passed (or a signal interrupted the wait)
        }
        let event = InputEvent(raw, size: size)
        if case .resize = event {
            previous = nil  // the old frame no longer describes the screen: repaint it all
        }
        return event
    }

    private func draw(_ cell: Cell, x: Int, y: Int) {
        var wide = cell.glyph.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) }
        wide.append(0)
        var pair = colorPair(for: cell.style)
        var complex = cchar_t()
        // The pair goes through `opts` as an int, since pair numbers can exceed a short.
        guard setcchar(&complex, wide, attributes(of: cell.style), 0, &pair) == OK else { return }
        // Writing the bottom-right cell reports ERR (the cursor cannot advance past it) even
        // though the cell is drawn, so the result is not checked.
        mvwadd_wch(window, Int32(y), Int32(x), &complex)
    }

    private func attributes(of style: Style) -> attr_t {
        var attributes = shim_a_normal()
        if style.bold { attributes |= shim_a_bold() }
        if style.dim { attributes |= shim_a_dim() }
        if style.reverse { attributes |= shim_a_reverse() }
        if style.underline { attributes |= shim_a_underline() }
        return attributes
    }

    /// The colour pair for a style's colours, allocated on first use; 0 (the terminal's
    /// default colours) when colour is off or the terminal refuses the pair.
    private func colorPair(for style: Style) -> Int32 {
        var fg = colorMode.terminalColor(for: style.fg)
        var bg = colorMode.terminalColor(for: style.bg)
        guard fg >= 0 || bg >= 0, colorCount > 0 else { return 0 }
        if !defaultColorsWork {
            if fg < 0 { fg = 7 }
            if bg < 0 { bg = 0 }
        }
        let key = ColorPairKey(fg: fg, bg: bg)
        if let pair = pairs[key] { return pair }
        let pair = max(alloc_pair(fg, bg), 0)  // -1: no such colour or no free pair
        pairs[key] = pair
        return pair
    }

    /// The glyph, bold flag and colour pair ncurses holds for a cell (headless tests).
    func screenCell(x: Int, y: Int) -> (glyph: Character, bold: Bool, pair: Int32)? {
        var complex = cchar_t()
        guard mvwin_wch(window, Int32(y), Int32(x), &complex) == OK else { return nil }
        var wide = [wchar_t](repeating: 0, count: 8)
        var attributes: attr_t = 0
        var shortPair: Int16 = 0
        var pair: Int32 = 0
        guard getcchar(&complex, &wide, &attributes, &shortPair, &pair) == OK,
              let scalar = Unicode.Scalar(UInt32(bitPattern: wide[0])) else { return nil }
        return (Character(scalar), attributes & shim_a_bold() != 0, pair)
    }
}
