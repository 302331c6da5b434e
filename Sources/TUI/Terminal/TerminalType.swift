/// Which terminfo entry the terminal is opened with.
enum TerminalType {
    /// The `-direct` variant of `$TERM` (`xterm-256color` → `xterm-direct`) when `COLORTERM`
    /// says the terminal shows 24-bit colour and terminfo has that entry; nil (use `$TERM`)
    /// otherwise. ncurses sends 24-bit colours only through a direct-colour entry, so without
    /// one `COLORTERM=truecolor` still means 256 colours.
    static func preferred(environment: [String: String], isKnown: (String) -> Bool) -> String? {
        let colorTerm = environment["COLORTERM"]?.lowercased()
        guard colorTerm == "truecolor" || colorTerm == "24bit",
              let term = environment["TERM"], !term.isEmpty, !term.hasSuffix("-direct") else { return nil }
        let base = term.hasSuffix("-256color") ? String(term.dropLast("-256color".count)) : term
        let direct = base + "-direct"
        return isKnown(direct) ? direct : nil
    }
}
