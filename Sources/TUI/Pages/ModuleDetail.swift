import Core

/// One module's numbers in words, for the lines under a propagation table: its name and kind,
/// "R 1.20e-3 = A 1.00e-3 + B 2.10e-4 + C -1.10e-5", "R_in 9.10e-4" and, when its input
/// carries error, "G 1.11 = G1 1.00 × G2 1.11" (the factors for linear layers only).
struct ModuleDetail {
    var module: ModuleError
    var palette: Palette
    var glyphs: GlyphSet

    /// Rows the detail may take under a table `height` rows tall: two, none on short screens
    /// where every row is wanted for modules.
    static func rows(of flow: FlowText, width: Int, height: Int) -> Int {
        height >= 16 ? min(flow.rowCount(width: width), 2) : 0
    }

    var chunks: [[Cell]] {
        let dim = palette.dim, text = palette.text
        func number(_ value: Double?) -> String { Format.shortScientific(value) }
        func ratio(_ value: Double?) -> String { Format.fit(value, width: 6) }
        var chunks = [
            FlowText.chunk([(module.name, palette.highlight), (" " + module.kind.rawValue, dim)]),
            FlowText.chunk([("R ", dim), (number(module.r), text), (" = A ", dim), (number(module.a), text),
                            (" + B ", dim), (number(module.b), text), (" + C ", dim), (number(module.c), text)]),
            FlowText.chunk([("R_in ", dim), (number(module.inputError), text)]),
        ]
        if let gain = module.gain {
            var parts = [("G ", dim), (ratio(gain), text)]
            if let spectral = module.spectralRatio, let alignment = module.alignmentRatio {
                parts += [(" = G1 ", dim), (ratio(spectral), text), (" \(glyphs.times) G2 ", dim),
                          (ratio(alignment), text)]
            }
            chunks.append(FlowText.chunk(parts))
        }
        return chunks
    }
}
