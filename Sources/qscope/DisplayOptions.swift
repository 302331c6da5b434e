import ArgumentParser
import Core
import TUI

/// How the dashboard looks: the flags `dashboard` and `watch` share.
struct DisplayOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Theme: default, light, high-contrast, colorblind, the name of a NAME.theme in ~/.config/qscope/themes or ./themes, or a path to a .theme file (t cycles through them).",
        valueName: "name|path"))
    var theme = "default"

    @Flag(help: "Draw with ASCII characters only (for fonts without braille; automatic outside UTF-8 locales).")
    var ascii = false

    @Flag(name: .customLong("no-color"), help: "No colours (NO_COLOR in the environment does the same).")
    var noColor = false

    @Option(help: ArgumentHelp("Use at most this many colours: truecolor, 256, 16, 8 or none (default: what the terminal supports).",
                               valueName: "mode"))
    var colors: String?

    /// The dashboard's options for these flags; throws `badInput` for an unknown `--colors`.
    func dashboardOptions() throws -> DashboardOptions {
        var ceiling: ColorMode?
        if let colors {
            guard let mode = ColorMode(rawValue: colors) else {
                throw QScopeError.badInput("--colors takes one of \(ColorMode.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(colors)')")
            }
            ceiling = mode
        }
        if noColor { ceiling = ColorMode.none }
        var options = DashboardOptions(theme: ThemeChoice(argument: theme), forceASCII: ascii, colorMode: ceiling)
        options.machine = Self.machine()
        return options
    }

    /// `BLAS Cooperlake 97 GF/s, bf16 AVX512-BF16`: the sgemm kernels and one thread's measured
    /// rate (about 20 ms to measure), and the kernel `--precision bf16` runs on, so a slow kernel
    /// choice shows where the user looks. Choosing the bf16 kernel here, before any thread starts,
    /// also runs its child-process check (AMX machines) at the safest moment.
    static func machine() -> String {
        let peak = Benchmark.sgemmPeak(threads: 1, n: 512, repeats: 4)
        return "BLAS \(BLASKernel.current.coreName) \(Int(peak.rounded())) GF/s, bf16 \(BF16Kernel.best.shortName)"
    }
}
