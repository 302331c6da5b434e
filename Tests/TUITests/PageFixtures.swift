import Core
import Foundation
@testable import TUI

/// Runs with fixed probe results for page snapshots: layer statistics (with a history),
/// ABC propagation and PTQ losses, shaped loosely like the study's findings (Shampoo has the
/// largest outliers yet the smallest PTQ damage, Muon the reverse).
enum PageFixtures {
    /// Per optimizer: outlier and tail scales, error scale, PTQ loss increase, final val loss.
    struct Profile {
        var optimizer: OptimizerKind
        var outliers: Double
        var tails: Double
        var error: Double
        var increase: Double
        var loss: Double
        var gptq: Bool
    }

    static let profiles = [
        Profile(optimizer: .adamw, outliers: 1.0, tails: 1.0, error: 1.0, increase: 0.21, loss: 2.31, gptq: true),
        Profile(optimizer: .muon, outliers: 0.55, tails: 1.4, error: 2.6, increase: 0.64, loss: 2.18, gptq: true),
        Profile(optimizer: .shampoo, outliers: 1.9, tails: 0.8, error: 0.7, increase: 0.12, loss: 2.27, gptq: false),
        Profile(optimizer: .soap, outliers: 1.3, tails: 2.2, error: 1.4, increase: 0.33, loss: 2.22, gptq: false),
        Profile(optimizer: .scion, outliers: 0.8, tails: 0.6, error: 1.8, increase: 0.41, loss: 2.25, gptq: false),
    ]

    static let blocks = 3
    static let kinds = ["attn.q", "attn.k", "attn.v", "attn.o", "mlp.up", "mlp.down"]
    static var layerNames: [String] {
        (0..<blocks).flatMap { block in kinds.map { "blocks.\(block).\($0)" } }
    }

    /// Five full-precision runs with every probe result, and a QAT run that has none yet.
    static var runs: [RunSnapshot] {
        var runs = profiles.enumerated().map { run(id: $0.offset, profile: $0.element) }
        var qat = Fixtures.run(id: profiles.count, name: "adamw-qat/tiny", optimizer: .adamw, steps: 60)
        qat.qat = "quest w4a4"
        qat.valLoss = profiles[0].loss + 0.06
        runs.append(qat)
        return runs
    }

    /// Three runs, all with PTQ: the fewest for which correlations are computed.
    static var threeRuns: [RunSnapshot] { Array(runs.prefix(3)) }

    /// Runs whose probe has not run yet.
    static var unprobed: [RunSnapshot] { Fixtures.several }

    static func run(id: Int, profile: Profile) -> RunSnapshot {
        var run = Fixtures.run(id: id, name: "\(profile.optimizer)/tiny", optimizer: profile.optimizer)
        for step in [30, 60, 90, 120] {
            run.record(ProbeReport(layers: layerReport(profile, step: step)))
        }
        run.valLoss = profile.loss
        run.record(ProbeReport(
            propagation: propagation(profile, step: 120),
            ptq: PTQSummary(step: 120, fullPrecision: profile.loss, rtn: profile.loss + profile.increase,
                            gptq: profile.gptq ? profile.loss + profile.increase * 0.55 : nil)))
        return run
    }

    /// Statistics that grow over training and differ by layer kind and depth; the `down`
    /// projection (after relu²) has by far the heaviest tails, `o` a negative excess kurtosis.
    static func layerReport(_ profile: Profile, step: Int) -> LayerReport {
        let growth = 0.6 + 0.4 * Double(step) / 120
        var rows: [[LayerMetric: Double]] = []
        for block in 0..<blocks {
            let depth = 1 + 0.35 * Double(block)
            for kind in kinds {
                let (mmr, kurtosis, rmsKurtosis, rms, absmax, error): (Double, Double, Double, Double, Double, Double)
                switch kind {
                case "attn.o": (mmr, kurtosis, rmsKurtosis, rms, absmax, error) = (4.1, -0.4, 0.3, 0.21, 1.9, 0.004)
                case "mlp.up": (mmr, kurtosis, rmsKurtosis, rms, absmax, error) = (9.5, 3.2, 1.4, 0.98, 9.1, 0.011)
                case "mlp.down": (mmr, kurtosis, rmsKurtosis, rms, absmax, error) = (61, 48, 12.5, 0.35, 38, 0.052)
                default: (mmr, kurtosis, rmsKurtosis, rms, absmax, error) = (7.2, 2.4, 0.9, 1.02, 6.8, 0.008)
                }
                let scale = profile.outliers * depth * growth
                let tailRatio = (profile.tails / profile.outliers).squareRoot()
                rows.append([.mmr: mmr * scale, .kurtosis: kurtosis * scale * profile.tails,
                             .rmsKurtosis: rmsKurtosis * scale * tailRatio, .rms: rms * depth, .absmax: absmax * scale,
                             .quantError: error * profile.error * depth * growth])
            }
        }
        return LayerReport(step: step, layers: layerNames, rows: rows)
    }

    /// A fine-grained chain per block (input quantization, linears, attention, norms,
    /// residuals, activation), then the final norm and head: R grows along the chain and dips
    /// at every norm; C alternates in sign.
    static func propagation(_ profile: Profile, step: Int) -> PropagationReport {
        var modules: [ModuleError] = []
        var incoming = 0.0
        func add(_ name: String, _ kind: ModuleKind, layer: Int?, gain: Double, local: Double,
                 spectral: Double? = nil) {
            let a = gain * incoming, b = local * profile.error
            let sign: Double = modules.count % 2 == 0 ? 1 : -1
            let c = sign * 0.3 * (a * b).squareRoot()
            let alignment = spectral.map { incoming > 0 ? a / incoming / $0 : 1 }
            modules.append(ModuleError(name: name, kind: kind, layer: layer, r: a + b + c, a: a, b: b, c: c,
                                       inputError: incoming, spectralRatio: spectral, alignmentRatio: alignment))
            incoming = a + b + c
        }
        let linearGain = 0.9 + 0.25 * profile.error
        for block in 0..<blocks {
            let p = "blocks.\(block)."
            add(p + "attn.qkv.input_quant", .inputQuant, layer: block, gain: 1, local: 2e-3)
            add(p + "attn.q", .linear, layer: block, gain: linearGain, local: 1e-3, spectral: 1.002)
            add(p + "attn.core", .attention, layer: block, gain: 0.8, local: 0)
            add(p + "attn.o", .linear, layer: block, gain: linearGain, local: 1.5e-3, spectral: 1.001)
            add(p + "attn_norm", .norm, layer: block, gain: 0.35, local: 1e-5)
            add(p + "attn_residual", .residual, layer: block, gain: 0.95, local: 0)
            add(p + "mlp.up", .linear, layer: block, gain: linearGain, local: 2e-3, spectral: 1.003)
            add(p + "mlp.act", .activation, layer: block, gain: 1.6, local: 0)
            add(p + "mlp.down", .linear, layer: block, gain: linearGain, local: 6e-3, spectral: 1.004)
            add(p + "mlp_norm", .norm, layer: block, gain: 0.3, local: 1e-5)
            add(p + "mlp_residual", .residual, layer: block, gain: 0.97, local: 0)
        }
        add("final_norm", .norm, layer: nil, gain: 0.5, local: 1e-5)
        add("head", .head, layer: nil, gain: 4.0, local: 3e-3)
        return PropagationReport(step: step, modules: modules)
    }

    static func palette(_ colorMode: ColorMode = .truecolor) -> Palette {
        Palette(theme: .builtIn, colorMode: colorMode)
    }

    /// `widget` drawn on a frame of `width`×`height` filled with the palette's text style, as
    /// the dashboard fills its frame.
    static func frame(_ widget: some Widget, width: Int, height: Int, palette: Palette = palette()) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height, filling: Cell(" ", style: palette.text))
        widget.render(into: &buffer, area: buffer.area)
        return buffer
    }
}
